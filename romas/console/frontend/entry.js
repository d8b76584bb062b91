// The console's third-party libraries, bundled once into static/vendor/vendor.js by `make console`.
export { h, render } from "preact";
export { useState, useEffect, useRef, useCallback, useMemo } from "preact/hooks";
export { default as htm } from "htm";
export { EditorView, keymap, lineNumbers, highlightActiveLine, Decoration, ViewPlugin } from "@codemirror/view";
export { EditorState, StateField, StateEffect, RangeSetBuilder } from "@codemirror/state";
export { basicSetup } from "codemirror";
export { StreamLanguage, HighlightStyle, syntaxHighlighting } from "@codemirror/language";
export { setDiagnostics, lintGutter } from "@codemirror/lint";
export { MergeView } from "@codemirror/merge";
export { tags } from "@lezer/highlight";
