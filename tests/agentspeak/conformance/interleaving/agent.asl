// Intentions take turns one formula at a time; !! starts a new intention; atomic plans run alone.
!a.
!b.
+!a <- .print(a1); .print(a2); .print(a3); !!c; .print(a4); .print(a5).
+!b <- .print(b1); !sub; .print(b4).
+!sub <- .print(b2); .print(b3).
@c[atomic] +!c <- .print(c1); .print(c2); .print(c3).
