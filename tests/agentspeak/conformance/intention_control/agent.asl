// .intend, .desire, .drop_intention, .succeed_goal, .fail_goal.
!loop(a).
!loop(b).
!control.
+!loop(X) <- .wait(10); .print("loop ", X); !loop(X).
+!control
    <- .wait(15);
       if (.intend(loop(a))) { .print("intending loop(a)") };
       if (.desire(loop(b))) { .print("desiring loop(b)") };
       .drop_intention(loop(a));
       .wait(30);
       if (not .intend(loop(a))) { .print("loop(a) dropped") };
       !!worker;
       .wait(5);
       .succeed_goal(worker);
       .wait(5);
       !!faulty;
       .wait(5);
       .fail_goal(faulty);
       .wait(5);
       .drop_all_intentions.
+!worker <- .print("worker starts"); .wait(1000); .print("never printed").
+!worker2 <- .print("never").
+!faulty <- .print("faulty starts"); .wait(1000).
-!faulty[error(E)] <- .print("faulty failed: ", E).
