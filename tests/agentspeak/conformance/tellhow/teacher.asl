// tellHow (a string and a plan term), askHow, untellHow.
!teach.
+!teach
    <- .send(student, tellHow, "@greet_plan +!greet(N) <- .print(\"hello \", N).");
       .send(student, achieve, greet(world));
       .send(student, tellHow, {+!bye <- .print("bye from a told plan")});
       .send(student, achieve, bye);
       .send(student, askHow, {+!skill(_)}, Plans);
       .length(Plans, N);
       .print("student has ", N, " skill plan(s)");
       .send(student, askHow, "+!skill(_)");
       .wait(100);
       !skill(teacher);
       .send(student, untellHow, greet_plan);
       .send(student, achieve, greet(again)).
