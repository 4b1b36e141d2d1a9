"""Amazon EC2, beyond moto's: `models` (the Regions an account sees), `install`."""
