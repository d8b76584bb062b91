// Achieve messages back and forth, broadcast, untell and unachieve.
!start.
+!start <- .send(pong, tell, started); .send(pong, achieve, ping(1)).
+!pong(N)[source(S)] : N < 5 <- .print("pong ", N, " from ", S); .send(S, achieve, ping(N + 1)).
+!pong(N) <- .print("last pong ", N); .broadcast(tell, finished); .send(pong, untell, started);
             .send(pong, achieve, forever); .send(pong, unachieve, forever).
