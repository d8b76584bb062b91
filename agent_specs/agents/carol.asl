// Carol, a customer: she watches the shelf and orders bread when it is her turn.

!start.

+!start
   <- joinWorkspace(bakery);
      focus(stock);
      .print("Carol: I walk into the bakery.");
      !join_team.

+!join_team
   <- adoptRole(customer, team);
      .print("Carol: I am a customer today.").
-!join_team
   <- .wait(1000);
      !join_team.

+obligation(Me, _, committed(Me, M, S), _) : .my_name(Me)
   <- .print("Carol: I commit to ", M, " in ", S, ".");
      commitMission(M, S).

+obligation(Me, _, done(S, G, Me), _) : .my_name(Me)
   <- !G;
      goalAchieved(G, S).

+!bread_ordered : .my_name(Me)
   <- push(Me)[artefact(orders)];
      .print("Carol: one loaf, please!").

+count(N)[artefact(stock)] : N > 0
   <- .print("Carol: I can see ", N, " loaves on the shelf.").
