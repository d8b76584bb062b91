// .wait on time and on events, with a timeout that fails and one that reports the elapsed time.
!watch.
!feed.
+!watch
    <- .wait({+ready(X)});
       .print("ready ", X);
       .wait("+ready(2)", 1000);
       .print("second ready");
       .wait({+never}, 300, T);
       .print("gave up after ", T, " ms");
       !timeout.
+!timeout <- .wait({+never}, 200); .print("not printed").
-!timeout[error(E)] <- .print("wait failed: ", E).
+!feed <- .wait(100); +ready(1); .wait(100); +ready(2).
+ready(X) <- .print("belief ready(", X, ") added").
