// The coach warms the team up, then watches the laps being counted.
{ include("inc/common.asl") }
{ include("$moise/asl/org-obedient.asl") }

+!announce : laps(N) <- .print("coach: a relay of ", N, " legs starts").

+!warm_up <- .print("coach: warming up").

+count(N)[artefact(laps_done)] : N > 0 <- !say("laps done: ", N).
