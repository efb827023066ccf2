/**
 * The converter (snapshot → volumes → <b>converter</b> → launched instance in the flow): a daemon
 * that runs only during a launch, on a short-lived conversion server. It fetches its job from the
 * control plane, opens the launch's own volumes as block devices, inspects the guest ({@code
 * inspect}), plans the changes that make it boot natively on the target ({@code plan}: data, shown
 * by {@code --dry-run}), applies them ({@code apply}), reports every step, and exits.
 */
package io.liftshift.converter;
