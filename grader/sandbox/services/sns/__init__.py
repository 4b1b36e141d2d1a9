"""Amazon SNS, beyond moto's: the e-mails it sends, kept in the account's inbox (`models`)."""
