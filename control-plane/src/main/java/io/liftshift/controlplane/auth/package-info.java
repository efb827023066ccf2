/** Who may call the control plane: access keys issued by liftshift, and AWS Signature Version 4. */
package io.liftshift.controlplane.auth;
