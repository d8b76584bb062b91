// Integers stay integers; `/` gives a float; strings, lists, relations and =..
!start.
+!start
    <- X = 7 div 2; Y = 7 mod 3; Z = 7 / 2; W = 2 ** 10; V = -7 div 2; U = 2 ** -1;
       .print(X, " ", Y, " ", Z, " ", W, " ", V, " ", U);
       .print(1 + 2 * 3, " ", (1 + 2) * 3, " ", 10 - 2 - 3, " ", 2 ** 3 ** 2, " ", -7 mod 3);
       .print(1.5 + 1, " ", 3 * 1.0, " ", 10 / 4);
       A = "a string with \"quotes\"";
       .print(A);
       .print(["x", 1, 2.5, f(y), 'Quoted Atom']);
       L = [1, 2, 3 | T];
       T = [4];
       .print(L);
       [H | R] = [a, b, c];
       .print(H, " ", R);
       if (f(1) == f(1) & f(1) \== f(2) & 3 >= 3 & "abc" < "abd" & a < b & 1 == 1.0) {
           .print("relations hold")
       };
       p(Q) = p(5);
       .print(Q);
       S =.. [g, [1, 2], []];
       .print(S);
       h(3)[note] =.. LL;
       .print(LL);
       !check(2 + 3).
+!check(N) : N == 5 <- .print("arguments are evaluated: ", N).
