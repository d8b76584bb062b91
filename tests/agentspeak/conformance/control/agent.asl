// if/elif/else, while and for.
item(10).
item(20).
!start.
+!start
    <- for (.range(I, 1, 3)) { .print("range ", I) };
       for (.range(J, 10, 0, -5)) { .print("down ", J) };
       for (.member(X, [a, b])) { .print("member ", X) };
       for (item(N)) { .print("item ", N) };
       -+counter(0);
       while (counter(C) & C < 3) {
           .print("counter ", C);
           -+counter(C + 1)
       };
       ?counter(F);
       .print("final ", F);
       !classify(5);
       !classify(-2);
       !classify(0);
       for (item(K)) {
           if (K > 15) { .print(K, " is big") } else { .print(K, " is small") }
       }.
+!classify(N)
    <- if (N > 0) {
           .print(N, " positive")
       } elif (N < 0) {
           .print(N, " negative")
       } else {
           .print(N, " zero")
       }.
