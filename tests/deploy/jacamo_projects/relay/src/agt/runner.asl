// A runner runs its leg when the organisation obliges it to.
{ include("inc/common.asl") }
{ include("$moise/asl/org-obedient.asl") }

+!run_leg : pace(P) <- inc; !say("ran a leg at a pace ", P).
