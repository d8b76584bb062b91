+!ping(N)[source(S)] <- .send(S, achieve, pong(N)).
+started[source(S)] <- .print("noted that ", S, " started").
+finished[source(S)] <- .print(S, " finished").
-started[source(S)] <- .print(S, " untold started").
+!forever <- .print("forever starts"); .wait(100000); .print("never printed").
