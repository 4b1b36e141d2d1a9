"""Amazon S3, beyond moto's: bucket policies as S3 applies them to a request (`models`)."""
