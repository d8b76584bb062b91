// Failure handling: -!g recovery plans, unwinding, goals without plans, failing recovery plans.
!main.
+!main
    <- !recoverable;
       .print("main goes on");
       !deep;
       .print("after deep");
       !unknown_goal;
       .print("after unknown");
       !no_applicable(5);
       .print("after no_applicable");
       !double_failure;
       .print("never printed").
+!recoverable <- .print("recoverable starts"); .fail; .print("not printed").
-!recoverable[error(E)] <- .print("recovered from ", E).
+!deep <- !level1.
+!level1 <- !level2; .print("not printed").
+!level2 <- X = 1; X == 2.
-!deep[error(E), error_msg(M)] <- .print("deep recovered: ", E, " - ", M).
-!unknown_goal[error(E)] <- .print("unknown goal recovered: ", E).
+!no_applicable(N) : N > 10 <- .print(big).
-!no_applicable(N)[error(E)] <- .print("no applicable for ", N, ": ", E).
+!double_failure <- .fail(error(custom), error_msg("my own reason")).
-!double_failure[error(E), error_msg(M)] <- .print("recovery of ", E, " (", M, ") fails too"); .fail.
-!main <- .print("main recovered").

!unrecovered.
+!unrecovered <- .print("this intention will be dropped"); !nothing_here.
