"""AWS Budgets, beyond moto's: `models` (rules, spend, alerts), `responses` (the calls moto
lacks), `install` (in front of moto's backend; alerts once a day)."""
