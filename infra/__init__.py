"""Local stack: embedded DynamoDB and an API Gateway front door, both driven by template.yaml."""
