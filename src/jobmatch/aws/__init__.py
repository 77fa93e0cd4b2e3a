"""The serverless deployment on AWS: Lambda handlers over the pipeline's stages, and the state machine driving them."""
