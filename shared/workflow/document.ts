// The SSM command document that restarts the ECS container agent. The stack deploys this content as an
// AWS::SSM::Document (type Command) and passes its name to the workflow in RESTART_DOCUMENT_NAME.
// The script is fixed: no parameters, so SendCommand cannot be turned into a general remote shell.

/** Restarts ecs-agent only: `systemctl restart ecs` where systemd manages it, else `docker restart ecs-agent`. */
export const RESTART_SCRIPT: readonly string[] = [
  'set -eu',
  '# Restart only the ECS agent; the Docker daemon and the running tasks are left alone.',
  'if command -v systemctl >/dev/null 2>&1 && systemctl list-unit-files ecs.service 2>/dev/null | grep -q "^ecs.service"; then',
  '  echo "privatelink-ecs: restarting the ecs systemd unit"',
  '  systemctl restart ecs',
  'elif command -v docker >/dev/null 2>&1 && docker inspect ecs-agent >/dev/null 2>&1; then',
  '  echo "privatelink-ecs: restarting the ecs-agent container"',
  '  docker restart ecs-agent',
  'else',
  '  echo "privatelink-ecs: no ecs systemd unit and no ecs-agent container on this instance" >&2',
  '  exit 1',
  'fi',
];

export const RESTART_DOCUMENT = {
  schemaVersion: '2.2',
  description:
    'privatelink-ecs: restart the Amazon ECS container agent so it reconnects through the VPC endpoints. ' +
    'Never restarts the Docker daemon.',
  mainSteps: [
    {
      action: 'aws:runShellScript',
      name: 'restartEcsAgent',
      precondition: { StringEquals: ['platformType', 'Linux'] },
      inputs: { timeoutSeconds: '120', runCommand: [...RESTART_SCRIPT] },
    },
  ],
} as const;

/**
 * Restarts the ECS agent on Windows: the agent is the `AmazonECS` Windows service. Restart-Service stops and
 * starts that service only; Docker and the running tasks are left alone. Fails when there is no such service.
 */
export const WINDOWS_RESTART_SCRIPT: readonly string[] = [
  "$ErrorActionPreference = 'Stop'",
  '# Restart only the ECS agent service; the Docker service and the running tasks are left alone.',
  '$service = Get-Service -Name AmazonECS -ErrorAction SilentlyContinue',
  'if ($null -eq $service) {',
  "  Write-Error 'privatelink-ecs: no AmazonECS service on this instance'",
  '  exit 1',
  '}',
  "Write-Output 'privatelink-ecs: restarting the AmazonECS service'",
  'Restart-Service -Name AmazonECS -Force',
];

export const WINDOWS_RESTART_DOCUMENT = {
  schemaVersion: '2.2',
  description:
    'privatelink-ecs: restart the Amazon ECS container agent (the AmazonECS service) on Windows so it ' +
    'reconnects through the VPC endpoints. Never restarts Docker.',
  mainSteps: [
    {
      action: 'aws:runPowerShellScript',
      name: 'restartEcsAgent',
      precondition: { StringEquals: ['platformType', 'Windows'] },
      inputs: { timeoutSeconds: '120', runCommand: [...WINDOWS_RESTART_SCRIPT] },
    },
  ],
} as const;
