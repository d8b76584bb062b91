// Plans every member of the club shares.
+!say(What, Value) : .my_name(Me) <- .print(Me, " says ", What, Value).
