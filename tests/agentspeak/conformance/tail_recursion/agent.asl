// A long chain of recursive achievement goals; the last step of a plan does not grow the stack.
!count(0).
+!count(N) : N < 5000 <- !count(N + 1).
+!count(N) <- .print("counted to ", N).

// A result passed back through a chain of goals with an unbound variable.
!start.
+!start <- !sum(100, 0, S); .print("sum is ", S).
+!sum(0, Acc, Acc).
+!sum(N, Acc, S) : N > 0 <- !sum(N - 1, Acc + N, S).
