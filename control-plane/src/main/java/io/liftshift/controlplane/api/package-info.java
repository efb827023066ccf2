/** The MGN API contract: the service model, request validation against it, and AWS-style errors. */
package io.liftshift.controlplane.api;
