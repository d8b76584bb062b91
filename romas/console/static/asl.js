// AgentSpeak (Jason dialect) for CodeMirror: a small stream tokenizer and the colours it is shown in.
import { StreamLanguage, HighlightStyle, syntaxHighlighting, tags } from "./vendor/vendor.js";

const KEYWORDS = new Set(["true", "false", "not", "div", "mod", "if", "else", "elif", "while", "for", "include", "begin", "end"]);

const parser = {
  name: "agentspeak",
  startState: () => ({ inComment: false }),
  token(stream, state) {
    if (state.inComment) {
      if (stream.skipTo("*/")) { stream.next(); stream.next(); state.inComment = false; } else stream.skipToEnd();
      return "comment";
    }
    if (stream.eatSpace()) return null;
    if (stream.match("//")) { stream.skipToEnd(); return "comment"; }
    if (stream.match("/*")) { state.inComment = true; return "comment"; }
    if (stream.match(/^"(?:[^"\\]|\\.)*"?/)) return "string";
    if (stream.match(/^'(?:[^'\\]|\\.)*'?/)) return "string";
    if (stream.match(/^\d+(\.\d+)?([eE][+-]?\d+)?/)) return "number";
    if (stream.match(/^[+-][!?]/)) return "keyword";
    if (stream.match(/^(<-|:-|\.\.|==|\\==|>=|<=|=\.\.|&|\||~)/)) return "operator";
    if (stream.match(/^\.[a-z][\w.]*/)) return "builtin";
    if (stream.match(/^@[a-z]\w*/)) return "labelName";
    if (stream.match(/^[A-Z_]\w*/)) return "variableName";
    const word = stream.match(/^[a-z]\w*/);
    if (word) return KEYWORDS.has(word[0]) ? "keyword" : stream.peek() === "(" ? "functionName" : "atom";
    if (stream.match(/^[!?]/)) return "keyword";
    if (stream.match(/^[[\]]/)) return "annotation";
    stream.next();
    return null;
  },
  languageData: { commentTokens: { line: "//", block: { open: "/*", close: "*/" } } },
  tokenTable: {
    builtin: tags.standard(tags.function(tags.variableName)),
    functionName: tags.function(tags.variableName),
    labelName: tags.labelName,
    annotation: tags.meta,
  },
};

export const agentspeak = StreamLanguage.define(parser);

export const aslColours = syntaxHighlighting(
  HighlightStyle.define([
    { tag: tags.comment, color: "#7a8597", fontStyle: "italic" },
    { tag: tags.string, color: "#1f7a3d" },
    { tag: tags.number, color: "#9c4f00" },
    { tag: tags.keyword, color: "#8a3ab9", fontWeight: "600" },
    { tag: tags.operator, color: "#8a3ab9" },
    { tag: tags.variableName, color: "#b4380e" },
    { tag: tags.function(tags.variableName), color: "#1d4fb8" },
    { tag: tags.standard(tags.function(tags.variableName)), color: "#0b7285" },
    { tag: tags.labelName, color: "#7a8597" },
    { tag: tags.atom, color: "#1d2330" },
    { tag: tags.meta, color: "#7a8597" },
  ]),
);
