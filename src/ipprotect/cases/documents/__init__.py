"""Case documents (文书): penalty decisions, rulings, mediation agreements and transfer letters."""
