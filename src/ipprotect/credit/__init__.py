"""Credit supervision: credit files, listing rules, the dishonesty list, restriction checks and
the name matching they share (`matching`)."""
