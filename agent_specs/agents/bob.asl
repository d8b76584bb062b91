// Bob, the baker: he bakes three loaves when the organisation asks him to.

!start.

+!start
   <- joinWorkspace(bakery);
      focus(stock);
      .print("Bob: good morning! The oven is warming up.");
      !open_the_day;
      !join_team.

// The baker opens the day: the team (a group) and today's work (a scheme the team is responsible for).
+!open_the_day
   <- createGroup(team, bakery_team);
      createScheme(today, daily_bread, team);
      .print("Bob: the bakery team is here and today's work can begin.").

// The group instance may not exist yet: try again until adoptRole succeeds.
+!join_team
   <- adoptRole(baker, team);
      .print("Bob: I am the baker of the team.").
-!join_team
   <- .wait(1000);
      !join_team.

// The classic obligation pattern: commit to the missions we are obliged to...
+obligation(Me, _, committed(Me, M, S), _) : .my_name(Me)
   <- .print("Bob: I commit to ", M, " in ", S, ".");
      commitMission(M, S).

// ...and achieve each goal we are obliged to, then tell the organisation.
+obligation(Me, _, done(S, G, Me), _) : .my_name(Me)
   <- !G;
      goalAchieved(G, S).

+!bread_baked
   <- !bake(3).

+!bake(0)
   <- .print("Bob: the bread is baked.").
+!bake(N) : N > 0
   <- .print("Bob: a fresh loaf comes out of the oven.");
      inc[artefact(stock)];
      .wait(500);
      !bake(N - 1).

+count(N)[artefact(stock)]
   <- .print("Bob: ", N, " loaves on the shelf.").
