+!skill(X) <- .print("skill used by ", X).
