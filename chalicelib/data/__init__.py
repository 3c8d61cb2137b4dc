"""The single DynamoDB table: its definition (shared with infra/ and devstack/) and the base model."""
