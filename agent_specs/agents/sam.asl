// Sam, the seller: he serves the oldest order and posts the sale on the notice board.

!start.

+!start
   <- joinWorkspace(bakery);
      focus(stock);
      focus(orders);
      focus(till);
      .print("Sam: the shop is open.");
      !join_team.

+!join_team
   <- adoptRole(seller, team);
      .print("Sam: I am the seller behind the counter.").
-!join_team
   <- .wait(1000);
      !join_team.

+obligation(Me, _, committed(Me, M, S), _) : .my_name(Me)
   <- .print("Sam: I commit to ", M, " in ", S, ".");
      commitMission(M, S).

+obligation(Me, _, done(S, G, Me), _) : .my_name(Me)
   <- !G;
      goalAchieved(G, S).

+!bread_sold
   <- pop(Customer)[artefact(orders)];
      dec[artefact(stock)];
      sell(Customer, 3, Sale)[artefact(till)];
      put("last_sale", Customer)[artefact(notices)];
      .print("Sam: here is your loaf, ", Customer, ". That is 3 coins (sale number ", Sale, ").");
      !!announce(Customer, Sale).

// Each sale goes out on the NATS subject bakery.sales; without NATS the sale stands and Sam says why.
+!announce(Customer, Sale)
   <- publish("bakery.sales", [Customer, 3, Sale])[artefact(wire)];
      .print("Sam: sale ", Sale, " announced on bakery.sales.").
-!announce(Customer, Sale)[error_msg(Why)]
   <- .print("Sam: could not announce sale ", Sale, " on NATS: ", Why).

+rang(Customer, Price)[artefact(till)]
   <- .print("Sam: the till rings: ", Price, " coins from ", Customer, ".").

+size(N)[artefact(orders)] : N > 0
   <- .print("Sam: ", N, " order(s) waiting.").
