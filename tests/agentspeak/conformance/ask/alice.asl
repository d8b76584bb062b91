// askOne / askAll, with an answer variable, without it (the answer becomes a belief), and a timeout.
!start.
+!start
    <- .send(bob, tell, price(apple, 10));
       .send(bob, askOne, price(apple, X), A);
       .print("askOne answer: ", A);
       .send(bob, askAll, price(_, _), L);
       .print("askAll answer: ", L);
       .send(bob, askOne, cost(pear, _), B);
       .print("answered by a +? plan: ", B);
       .send(bob, askOne, unknown(_), C);
       .print("no answer: ", C);
       .send(bob, askOne, slow(_), D, 500);
       .print("slow answer: ", D);
       .send(bob, askOne, price(pear, _));
       .wait({+price(pear, P)[source(bob)]});
       .print("answer as a belief: ", P).
+slow(V)[source(bob)] <- .print("late answer arrived as a belief: ", V).
