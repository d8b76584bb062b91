// Hot swap: after a few steps the plans are replaced; beliefs stay; the running plan finishes as it was.
ticks(0).
!tick(1).
+!tick(N) : N <= 5 <- .print("v1 tick ", N); -+ticks(N); .wait(10); .print("v1 after wait ", N); !tick(N + 1).
+!tick(N) <- ?ticks(T); .print("v1 done with ", T, " ticks").
