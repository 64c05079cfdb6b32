//! zerokey's broker: an axum service that stores only a role ARN and an external ID per
//! connection, assumes the role with STS on every request and drops the temporary credentials
//! when the response ends.
