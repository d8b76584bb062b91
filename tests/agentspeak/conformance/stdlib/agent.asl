// The common internal actions.
!start.
+!start
    <- .my_name(Me);
       .print("I am ", Me);
       .concat("abc", "def", 42, S);
       .print(S);
       .concat([1, 2], [3], L);
       .print(L);
       .length([a, b, c], N);
       .length("hello", M);
       .print(N, " ", M);
       .nth(1, [a, b, c], E);
       .print("nth ", E);
       .findall(I, .nth(I, [x, y], _), Is);
       .print("indexes ", Is);
       .sort([3, b, 1, "s", a, 2.5], Sorted);
       .print("sorted ", Sorted);
       .min([4, 2, 8], Min);
       .max([4, 2, 8], Max);
       .abs(-5, Abs);
       .print(Min, " ", Max, " ", Abs);
       .substring("ell", "hello", Pos);
       .print("substring at ", Pos);
       .lower_case("MiXeD", Lo);
       .upper_case("MiXeD", Up);
       .print(Lo, " ", Up);
       .term2string(f(X, "s", [1]), T2S);
       .print(T2S);
       .term2string(T, "g(1, b)");
       .print(T);
       if (.string("s") & .number(1) & .atom(a) & .list([1]) & .ground(f(1)) & not .ground(f(_))) {
           .print("type checks hold")
       };
       .random(R);
       if (R >= 0 & R < 1) { .print("random in range") };
       .count(.member(_, [1, 2, 3]), Cnt);
       .print("count ", Cnt);
       .reverse([1, 2, 3], Rev);
       .print(Rev);
       .add_plan("@added +!extra <- .print(\"added plan runs\").");
       !extra;
       .relevant_plans({+!extra}, Ps, Labels);
       .print("relevant ", Labels);
       .remove_plan(added);
       .relevant_plans({+!extra}, Ps2);
       .length(Ps2, NP);
       .print("after removal ", NP).
