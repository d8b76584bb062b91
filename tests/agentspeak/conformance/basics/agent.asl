// Beliefs, rules, test goals, strong negation and belief events.
price(apple, 10).
price(pear, 4).
~raining.
cheap(F) :- price(F, P) & P < 5.
expensive(F) :- price(F, P) & not cheap(F).

!start.

+!start
    <- ?price(apple, A);
       .print("apple costs ", A);
       ?cheap(C);
       .print("cheap: ", C);
       ?expensive(E);
       .print("expensive: ", E);
       if (~raining) { .print("dry") };
       if (not raining) { .print("not known to rain") };
       .findall(F, price(F, _), L);
       .print("fruits ", L);
       .count(price(_, _), N);
       .print("count ", N);
       +price(kiwi, 3);
       .findall(F2, cheap(F2), L2);
       .print("cheap ones ", L2);
       -price(pear, 4);
       .findall(F3, cheap(F3), L3);
       .print("cheap now ", L3).

+price(F, P)[source(self)] : P < 5 <- .print("new cheap fruit ", F).
-price(F, _) <- .print("no more ", F).
