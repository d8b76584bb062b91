+!greet : greeting(G) <- .print(G, " from the greeter").
