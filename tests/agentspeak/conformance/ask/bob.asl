price(pear, 5).
+?cost(_, Y) <- Y = 7.
+?slow(V) <- .wait(2000); V = 1.
+price(F, P)[source(alice)] <- .print("alice told me the price of ", F, " is ", P).
