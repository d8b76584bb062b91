// romas's tester for Jason's unit tests: the asserts Jason's tester_agent.asl offers, each printing
// "PASS <assert>" or "FAIL <assert>: <why>". A failed assert does not stop the test plan (as in Jason);
// the runner (test_jason_unit.py) starts every @[test] plan and counts what is printed.

+!assert_equals(X, Y) : not .list(X) | not .list(Y) <-
    if (X \== Y) { .print("FAIL assert_equals: expected ", X, " but had ", Y) }
    else { .print("PASS assert_equals") }.
+!assert_equals(X, Y) <-  // as Jason's test_assert: each member of one list is a member of the other
    if (.member(A, X) & not .member(A, Y)) { .print("FAIL assert_equals: expected ", X, " but had ", Y) }
    else {
        if (.member(B, Y) & not .member(B, X)) { .print("FAIL assert_equals: expected ", X, " but had ", Y) }
        else { .print("PASS assert_equals") }
    }.
-!assert_equals(X, Y) <- .print("FAIL assert_equals: could not compare ", X, " and ", Y).

+!assert_equals(X, Y, T) <-
    if (Y >= X - T & Y <= X + T) { .print("PASS assert_equals") }
    else { .print("FAIL assert_equals: expected ", X, "+/-", T, " but had ", Y) }.
-!assert_equals(X, Y, T) <- .print("FAIL assert_equals: could not compare ", X, "+/-", T, " and ", Y).

+!assert_not_equals(X, Y) <-
    if (X == Y) { .print("FAIL assert_not_equals: both are ", X) }
    else { .print("PASS assert_not_equals") }.
-!assert_not_equals(X, Y) <- .print("FAIL assert_not_equals: could not compare ", X, " and ", Y).

+!assert_true(X) <-
    if (X) { .print("PASS assert_true") }
    else { .print("FAIL assert_true: ", X, " does not hold") }.
-!assert_true(X) <- .print("FAIL assert_true: could not evaluate ", X).

+!assert_false(X) <-
    if (X) { .print("FAIL assert_false: ", X, " holds") }
    else { .print("PASS assert_false") }.
-!assert_false(X) <- .print("FAIL assert_false: could not evaluate ", X).

+!force_pass <- .print("PASS force_pass").

+!force_failure(Msg) <- .print("FAIL force_failure: ", Msg).

+!assert_contains(X, Y) <-
    if (.list(X) & .member(Y, X)) { .print("PASS assert_contains") }
    else { .print("FAIL assert_contains: ", Y, " is not in ", X) }.
-!assert_contains(X, Y) <- .print("FAIL assert_contains: could not look for ", Y, " in ", X).

+!assert_not_contains(X, Y) <-
    if (.list(X) & not .member(Y, X)) { .print("PASS assert_not_contains") }
    else { .print("FAIL assert_not_contains: ", Y, " is in ", X) }.
-!assert_not_contains(X, Y) <- .print("FAIL assert_not_contains: could not look for ", Y, " in ", X).

+!assert_greater_than(X, Y) <-
    if (.number(X) & .number(Y) & X > Y) { .print("PASS assert_greater_than") }
    else { .print("FAIL assert_greater_than: expected ", X, " > ", Y) }.
-!assert_greater_than(X, Y) <- .print("FAIL assert_greater_than: could not compare ", X, " and ", Y).

+!assert_greater_than_equals(X, Y) <-
    if (.number(X) & .number(Y) & X >= Y) { .print("PASS assert_greater_than_equals") }
    else { .print("FAIL assert_greater_than_equals: expected ", X, " >= ", Y) }.
-!assert_greater_than_equals(X, Y) <- .print("FAIL assert_greater_than_equals: could not compare ", X, " and ", Y).

+!assert_between(X, Y0, Y1) <-
    if (.number(X) & .number(Y0) & .number(Y1) & X >= Y0 & X <= Y1) { .print("PASS assert_between") }
    else { .print("FAIL assert_between: expected ", Y0, " <= ", X, " <= ", Y1) }.
-!assert_between(X, Y0, Y1) <- .print("FAIL assert_between: could not compare ", X, " with ", Y0, " and ", Y1).

// mock agents, as Jason's tester makes them (the runner provides the file mock_agent.asl)
+!create_mock_agent(Name) : .my_name(Me) <-
    .create_agent(Name, "mock_agent.asl");
    .send(Name, tell, mock_owner(Me)).

+!wait_idle(Name) <-
    .wait(not sleeping(Name), 300, _);
    .wait(sleeping(Name)).
