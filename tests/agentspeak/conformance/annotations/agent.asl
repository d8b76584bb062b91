// Annotations: sources, explicit annotations, -+ and the events they produce.
!start.
+!start
    <- +mood(happy);
       +mood(happy)[certainty(high)];
       ?mood(M)[certainty(C)];
       .print("mood ", M, " with certainty ", C);
       .findall(A, mood(happy)[A], As);
       .print("annotations ", As);
       -+level(1);
       -+level(2);
       .findall(L, level(L), Ls);
       .print("levels ", Ls);
       +mood(happy)[source(bob)];
       -mood(happy)[certainty(high)];
       ?mood(happy)[source(S)];
       .print("still believed from ", S);
       -mood(happy)[source(bob)];
       if (not mood(_)) { .print("mood gone") }.
+mood(M)[source(self)] <- .print("+mood ", M).
+mood(M)[certainty(C)] <- .print("+mood ", M, " certainty ", C).
-mood(M) <- .print("-mood ", M).
+level(L) <- .print("+level ", L).
-level(L) <- .print("-level ", L).
