/**
 * The agent's command line, shared by the slim agent bundle ({@link
 * io.liftshift.agent.command.AgentMain}) and the all-in-one {@code liftshift agent}: replicate,
 * {@code install} (register), {@code uninstall}, and the installed agent's self-upgrade, which
 * hands over to the installer's own script.
 */
package io.liftshift.agent.command;
