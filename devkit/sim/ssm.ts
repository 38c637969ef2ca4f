// Simulated SSM Run Command: SendCommand creates one invocation per instance; each observation
// (GetCommandInvocation, or a ListCommandInvocations listing) moves it Pending -> InProgress -> terminal,
// as the instance's behaviour knob says. A successful agent-restart command disconnects the ECS agent.

import type {
  Command,
  CommandInvocation,
  CreateDocumentRequest,
  CreateDocumentResult,
  DescribeDocumentRequest,
  DescribeDocumentResult,
  DescribeInstanceInformationRequest,
  DescribeInstanceInformationResult,
  DocumentDescription,
  GetCommandInvocationRequest,
  GetCommandInvocationResult,
  InstanceInformation,
  ListCommandInvocationsRequest,
  ListCommandInvocationsResult,
  ListCommandsRequest,
  ListCommandsResult,
  ListTagsForResourceRequest,
  ListTagsForResourceResult,
  SendCommandRequest,
  SendCommandResult,
} from '@aws-sdk/client-ssm';
import * as ssmsdk from '@aws-sdk/client-ssm';
import {
  deepClone,
  type HandlerMap,
  hashString,
  op,
  paginate,
  serviceKit,
  UnsupportedOperationError,
} from './core';
import { runScriptOnHost } from './host';
import type { SimCommand, SimDocument, SimInvocation, SimState } from './state';

export const {
  error: ssmError,
  throttle: ssmThrottle,
  invalid: validation,
  page: ssmPage,
} = serviceKit(ssmsdk, ssmsdk.SSMServiceException, {
  serverError: 'InternalServerError',
  invalid: 'ValidationException',
  page: { min: 1, max: 50, defaultSize: 50 },
});
const BUILT_IN_DOCUMENTS: Record<string, { platform: 'Linux' | 'Windows'; plugin: string }> = {
  'AWS-RunShellScript': { platform: 'Linux', plugin: 'aws:runShellScript' },
  'AWS-RunPowerShellScript': { platform: 'Windows', plugin: 'aws:runPowerShellScript' },
};
const TERMINAL = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled']);

export function ssmHandlers(state: SimState): HandlerMap {
  const key = (commandId: string, instanceId: string) => `${commandId}/${instanceId}`;

  function documentText(command: SimCommand): string {
    const doc = state.documents.get(command.documentName);
    return [doc?.content ?? '', ...(command.parameters.commands ?? [])].join('\n');
  }

  interface Step {
    action: string;
    /** The platformType a `precondition: {StringEquals: [platformType, X]}` asks for. */
    platform?: string;
    lines: string[];
  }

  /** The script steps of the command (aws:runShellScript, aws:runPowerShellScript), in order. */
  function scriptSteps(command: SimCommand): Step[] {
    const builtIn = BUILT_IN_DOCUMENTS[command.documentName];
    if (builtIn) return [{ action: builtIn.plugin, lines: command.parameters.commands ?? [] }];
    const doc = state.documents.get(command.documentName);
    type Parsed = {
      mainSteps?: Array<{
        action?: string;
        precondition?: { StringEquals?: unknown[] };
        inputs?: { runCommand?: unknown };
      }>;
    };
    let parsed: Parsed = {};
    try {
      parsed = JSON.parse(doc?.content ?? '{}') as Parsed;
    } catch {
      return [];
    }
    return (parsed.mainSteps ?? [])
      .filter((step) => step.action === 'aws:runShellScript' || step.action === 'aws:runPowerShellScript')
      .map((step) => {
        const [key, value] = step.precondition?.StringEquals ?? [];
        return {
          action: step.action!,
          ...(key === 'platformType' && typeof value === 'string' ? { platform: value } : {}),
          lines: Array.isArray(step.inputs?.runCommand) ? step.inputs.runCommand.map(String) : [],
        };
      });
  }

  /** The aws:runShellScript steps a Linux instance runs, in order; undefined when it runs no shell script. */
  function shellSteps(command: SimCommand): string[][] | undefined {
    const steps = scriptSteps(command)
      .filter((step) => step.action === 'aws:runShellScript' && (step.platform ?? 'Linux') === 'Linux')
      .map((step) => step.lines);
    return steps.length ? steps : undefined;
  }

  /**
   * A Windows instance: the simulated account does not run PowerShell. A step restarts the agent when it calls
   * Restart-Service on AmazonECS (the `command: 'Failed'` behaviour makes that fail); shell steps for Linux are
   * skipped by their precondition, as SSM does, and a shell step without one fails.
   */
  function finishOnWindows(inv: SimInvocation, command: SimCommand, outcome: 'Success' | 'Failed'): void {
    const steps = scriptSteps(command);
    const done = (status: 'Success' | 'Failed', code: number, stdout: string, stderr: string) => {
      inv.status = status;
      inv.statusDetails = status;
      inv.responseCode = code;
      inv.stdout = stdout;
      inv.stderr = stderr;
    };
    let stdout = '';
    let restarts = false;
    for (const step of steps) {
      if (step.platform && step.platform !== 'Windows') {
        stdout += `Step execution skipped due to unsatisfied preconditions: "StringEquals": [platformType, ${step.platform}]\n`;
        continue;
      }
      if (step.action === 'aws:runShellScript') {
        done('Failed', 1, stdout, 'aws:runShellScript is not supported on Windows\nfailed to run commands');
        return;
      }
      const text = step.lines.join('\n');
      if (/Restart-Service\b[^\n]*\bAmazonECS\b/i.test(text)) restarts = true;
    }
    if (restarts && outcome === 'Failed') {
      done(
        'Failed',
        1,
        stdout,
        "Restart-Service : Service 'Amazon ECS (AmazonECS)' cannot be started due to the following error: Cannot start service AmazonECS on computer '.'.\nfailed to run commands: exit status 1",
      );
      return;
    }
    if (restarts) {
      stdout += 'privatelink-ecs: restarting the AmazonECS service\n';
      state.disconnectAgent(inv.instanceId);
    }
    done(outcome === 'Failed' ? 'Failed' : 'Success', outcome === 'Failed' ? 1 : 0, stdout, '');
  }

  /** One observation of an invocation: report, then move it one step. */
  function observe(inv: SimInvocation): void {
    if (TERMINAL.has(inv.status)) return;
    if (inv.pollsLeft > 0) {
      inv.status = 'InProgress';
      inv.statusDetails = 'InProgress';
      inv.started ??= state.clock.now();
      inv.pollsLeft -= 1;
      return;
    }
    finish(inv);
  }

  function finish(inv: SimInvocation): void {
    const instance = state.instances.get(inv.instanceId);
    inv.started ??= state.clock.now();
    inv.finished = state.clock.now();
    const command = state.commands.get(inv.commandId)!;
    let outcome = inv.outcome;
    if ((outcome === 'Success' || outcome === 'Failed') && instance?.platform === 'windows') {
      if (scriptSteps(command).length > 0) {
        finishOnWindows(inv, command, outcome);
        return;
      }
    }
    const all = scriptSteps(command);
    if (
      (outcome === 'Success' || outcome === 'Failed') &&
      instance &&
      all.length > 0 &&
      all.every((step) => step.platform && step.platform !== 'Linux')
    ) {
      // Every step is for another platform (our Windows document on a Linux host): SSM skips them all.
      inv.status = 'Success';
      inv.statusDetails = 'Success';
      inv.responseCode = 0;
      inv.stdout = all
        .map(
          (step) =>
            `Step execution skipped due to unsatisfied preconditions: "StringEquals": [platformType, ${step.platform}]\n`,
        )
        .join('');
      return;
    }
    const steps = shellSteps(command);
    if ((outcome === 'Success' || outcome === 'Failed') && instance && steps) {
      // The script decides: run it under real bash on a stand-in host with this instance's facts (systemd
      // unit or ecs-agent container). The Failed knob makes the host's restart commands fail.
      const host = {
        systemd: instance.usesSystemd,
        agentContainer: instance.agentContainer,
        failing: outcome === 'Failed',
      };
      let stdout = '';
      let stderr = '';
      let code = 0;
      let restarted = false;
      let timedOut = false;
      for (const lines of steps) {
        const run = runScriptOnHost(lines, host);
        stdout += run.stdout;
        stderr += run.stderr;
        restarted ||= run.restartedAgent;
        code = run.exitCode;
        timedOut = run.timedOut;
        if (code !== 0 || timedOut) break;
      }
      inv.stdout = stdout;
      if (restarted) state.disconnectAgent(inv.instanceId);
      if (timedOut) {
        inv.status = 'TimedOut';
        inv.statusDetails = 'ExecutionTimedOut';
        inv.responseCode = -1;
        inv.stderr = `${stderr}Command execution timed out.`;
      } else if (code === 0) {
        inv.status = 'Success';
        inv.statusDetails = 'Success';
        inv.responseCode = 0;
        inv.stderr = stderr;
      } else {
        inv.status = 'Failed';
        inv.statusDetails = 'Failed';
        inv.responseCode = code;
        inv.stderr = `${stderr}failed to run commands: exit status ${code}`;
      }
      return;
    }
    if (outcome === 'Undeliverable') outcome = 'Failed';
    switch (outcome) {
      case 'Success':
        inv.status = 'Success';
        inv.statusDetails = 'Success';
        inv.responseCode = 0;
        inv.stdout = inv.restartsAgent ? 'ecs agent restarted\n' : '';
        if (inv.restartsAgent) state.disconnectAgent(inv.instanceId);
        return;
      case 'Failed':
        inv.status = 'Failed';
        inv.statusDetails = 'Failed';
        inv.responseCode = 1;
        inv.stderr =
          'Job for ecs.service failed because the control process exited with error code.\nfailed to run commands: exit status 1';
        return;
      case 'TimedOut':
        inv.status = 'TimedOut';
        inv.statusDetails = 'ExecutionTimedOut';
        inv.responseCode = -1;
        inv.stderr = 'Command execution timed out.';
        return;
    }
  }

  function commandStatus(command: SimCommand): {
    status: Command['Status'];
    details: string;
    completed: number;
    errors: number;
    timedOut: number;
  } {
    const invs = command.instanceIds.map((id) => state.invocations.get(key(command.id, id))!);
    const completed = invs.filter((i) => TERMINAL.has(i.status)).length;
    const errors = invs.filter((i) => i.status === 'Failed' || i.status === 'TimedOut').length;
    const timedOut = invs.filter((i) => i.statusDetails === 'DeliveryTimedOut').length;
    if (invs.every((i) => i.status === 'Pending'))
      return { status: 'Pending', details: 'Pending', completed, errors, timedOut };
    if (completed < invs.length)
      return { status: 'InProgress', details: 'InProgress', completed, errors, timedOut };
    if (invs.every((i) => i.status === 'Success'))
      return { status: 'Success', details: 'Success', completed, errors, timedOut };
    if (invs.some((i) => i.status === 'TimedOut') && !invs.some((i) => i.status === 'Failed')) {
      return { status: 'TimedOut', details: 'TimedOut', completed, errors, timedOut };
    }
    return { status: 'Failed', details: 'Failed', completed, errors, timedOut };
  }

  function renderCommand(command: SimCommand): Command {
    const s = commandStatus(command);
    return {
      CommandId: command.id,
      DocumentName: command.documentName,
      DocumentVersion: command.documentVersion ?? '$DEFAULT',
      Comment: command.comment ?? '',
      ExpiresAfter: new Date(command.expires.getTime()),
      Parameters: deepClone(command.parameters),
      InstanceIds: [...command.instanceIds],
      Targets: [],
      RequestedDateTime: new Date(command.requested.getTime()),
      Status: s.status,
      StatusDetails: s.details,
      OutputS3Region: state.region,
      OutputS3BucketName: '',
      OutputS3KeyPrefix: '',
      MaxConcurrency: command.maxConcurrency,
      MaxErrors: command.maxErrors,
      TargetCount: command.instanceIds.length,
      CompletedCount: s.completed,
      ErrorCount: s.errors,
      DeliveryTimedOutCount: s.timedOut,
      ServiceRole: command.serviceRoleArn ?? '',
      NotificationConfig: { NotificationArn: '', NotificationEvents: [] },
      CloudWatchOutputConfig: command.cloudWatchOutput ?? {
        CloudWatchLogGroupName: '',
        CloudWatchOutputEnabled: false,
      },
      TimeoutSeconds: command.timeoutSeconds,
    };
  }

  function pluginName(command: SimCommand): string {
    return BUILT_IN_DOCUMENTS[command.documentName]?.plugin ?? 'aws:runShellScript';
  }

  function renderDocument(doc: SimDocument): DocumentDescription {
    let parsed: {
      schemaVersion?: string;
      parameters?: Record<string, { type?: string; description?: string; default?: unknown }>;
    } = {};
    try {
      parsed = JSON.parse(doc.content) as typeof parsed;
    } catch {
      parsed = {};
    }
    return {
      Name: doc.name,
      Hash: doc.hash,
      HashType: 'Sha256',
      DocumentType: doc.documentType as DocumentDescription['DocumentType'],
      DocumentFormat: doc.documentFormat as DocumentDescription['DocumentFormat'],
      Status: 'Active',
      Owner: state.accountId,
      CreatedDate: new Date(doc.created.getTime()),
      SchemaVersion: parsed.schemaVersion ?? '2.2',
      DocumentVersion: '1',
      LatestVersion: '1',
      DefaultVersion: '1',
      PlatformTypes: ['Linux', 'MacOS'],
      Parameters: Object.entries(parsed.parameters ?? {}).map(([Name, p]) => ({
        Name,
        Type: (p.type as 'String' | 'StringList') ?? 'String',
        Description: p.description ?? '',
        ...(p.default !== undefined ? { DefaultValue: String(p.default) } : {}),
      })),
    };
  }

  return {
    SendCommand: op<SendCommandRequest, SendCommandResult>((input) => {
      if (input.Targets?.length)
        throw new UnsupportedOperationError(
          'simulated account does not implement SendCommand Targets; pass InstanceIds',
        );
      const instanceIds = input.InstanceIds ?? [];
      if (instanceIds.length === 0) throw validation('Either InstanceIds or Targets must be specified.');
      if (instanceIds.length > 50) {
        throw validation(
          `1 validation error detected: Value at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to 50`,
        );
      }
      if (new Set(instanceIds).size !== instanceIds.length)
        throw ssmError('DuplicateInstanceId', 'Instance IDs must be unique.');
      const docName = input.DocumentName ?? '';
      const builtIn = BUILT_IN_DOCUMENTS[docName];
      const custom = state.documents.get(docName);
      if (!builtIn && !custom)
        throw ssmError('InvalidDocument', `Document with name ${docName} does not exist.`);
      const parameters = (input.Parameters ?? {}) as Record<string, string[]>;
      if (builtIn) {
        if (!parameters.commands?.length)
          throw ssmError('InvalidParameters', 'Parameter "commands" is required.');
        const allowed = ['commands', 'workingDirectory', 'executionTimeout'];
        const extra = Object.keys(parameters).filter((k) => !allowed.includes(k));
        if (extra.length) throw ssmError('InvalidParameters', `Parameter "${extra[0]}" is not defined.`);
      } else {
        const declared = renderDocument(custom!).Parameters ?? [];
        const extra = Object.keys(parameters).filter((k) => !declared.some((p) => p.Name === k));
        if (extra.length) throw ssmError('InvalidParameters', `Parameter "${extra[0]}" is not defined.`);
        const missing = declared.filter((p) => p.DefaultValue === undefined && !(p.Name! in parameters));
        if (missing.length)
          throw ssmError('InvalidParameters', `Parameter "${missing[0]!.Name}" is required.`);
      }
      const maxConcurrency = input.MaxConcurrency ?? '50';
      if (!/^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$/.test(maxConcurrency)) {
        throw validation(
          `Value '${maxConcurrency}' at 'maxConcurrency' failed to satisfy constraint: Member must satisfy regular expression pattern`,
        );
      }
      const maxErrors = input.MaxErrors ?? '0';
      if (!/^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$/.test(maxErrors)) {
        throw validation(
          `Value '${maxErrors}' at 'maxErrors' failed to satisfy constraint: Member must satisfy regular expression pattern`,
        );
      }
      const timeout = input.TimeoutSeconds ?? 3600;
      if (!Number.isInteger(timeout) || timeout < 30 || timeout > 2_592_000) {
        throw validation(
          `Value '${timeout}' at 'timeoutSeconds' failed to satisfy constraint: Member must have value between 30 and 2592000`,
        );
      }
      const malformed = instanceIds.find((id) => !/^(i|mi)-[0-9a-f]{8,17}$/.test(id));
      if (malformed) throw ssmError('InvalidInstanceId', `Instance ${malformed} is not a valid instance ID.`);
      const deliverable = instanceIds.filter((id) => {
        const i = state.instances.get(id);
        return i?.ssmManaged && i.state === 'running';
      });
      // Real SSM validates every target before it creates the command: one instance that is not a managed node
      // in a usable state (agent stopped, no instance profile, stopped or terminated) fails the whole call with
      // "Instances [[i-…]] not in a valid state for account …" and nothing runs anywhere. That is an option, not
      // the default, because the default's per-instance Undeliverable model is what the older scenarios pin.
      const invalid = instanceIds.filter((id) => !deliverable.includes(id));
      if (state.ssmRejectsWholeCallOnInvalidTarget && invalid.length > 0) {
        throw ssmError(
          'InvalidInstanceId',
          `Instances [[${invalid.join(', ')}]] not in a valid state for account ${state.accountId}`,
        );
      }
      if (deliverable.length === 0) {
        throw ssmError(
          'InvalidInstanceId',
          `Instances [[${instanceIds.join(', ')}]] not in a valid state for account ${state.accountId}`,
        );
      }
      const now = state.clock.now();
      const command: SimCommand = {
        id: state.ids.uuid(),
        documentName: docName,
        documentVersion: input.DocumentVersion,
        comment: input.Comment,
        parameters: deepClone(parameters),
        instanceIds: [...instanceIds],
        requested: now,
        expires: new Date(now.getTime() + (timeout + 3600) * 1000),
        maxConcurrency,
        maxErrors,
        timeoutSeconds: timeout,
        cloudWatchOutput: input.CloudWatchOutputConfig,
        serviceRoleArn: input.ServiceRoleArn,
      };
      state.commands.set(command.id, command);
      const text = documentText(command);
      const restartsAgent = /ecs/i.test(text) && /(restart|start|stop|Restart-Service)/i.test(text);
      for (const id of instanceIds) {
        const behaviour = state.behaviourOf(id);
        const ok = deliverable.includes(id);
        const inv: SimInvocation = {
          commandId: command.id,
          instanceId: id,
          status: ok ? 'Pending' : 'Failed',
          statusDetails: ok ? 'Pending' : 'Undeliverable',
          pollsLeft: Math.max(0, behaviour.commandPolls ?? 1),
          outcome: ok ? (behaviour.command ?? 'Success') : 'Undeliverable',
          requested: now,
          responseCode: -1,
          stdout: '',
          stderr: ok ? '' : 'The instance is not managed by SSM or is not reachable.',
          restartsAgent,
        };
        state.invocations.set(key(command.id, id), inv);
      }
      return { Command: renderCommand(command) };
    }),
    GetCommandInvocation: op<GetCommandInvocationRequest, GetCommandInvocationResult>((input) => {
      const command = state.commands.get(input.CommandId ?? '');
      if (!command) throw ssmError('InvalidCommandId', `Command ${input.CommandId ?? ''} is not valid.`);
      const inv = state.invocations.get(key(command.id, input.InstanceId ?? ''));
      if (!inv)
        throw ssmError(
          'InvocationDoesNotExist',
          `An invocation of ${command.id} on ${input.InstanceId ?? ''} does not exist.`,
        );
      if (input.PluginName && input.PluginName !== pluginName(command)) {
        throw ssmError('InvalidPluginName', `Plugin ${input.PluginName} is not part of this command.`);
      }
      observe(inv);
      const iso = (d?: Date) => (d ? d.toISOString() : '');
      const elapsed =
        inv.started && inv.finished ? (inv.finished.getTime() - inv.started.getTime()) / 1000 : 0;
      return {
        CommandId: command.id,
        InstanceId: inv.instanceId,
        Comment: command.comment ?? '',
        DocumentName: command.documentName,
        DocumentVersion: command.documentVersion ?? '$DEFAULT',
        PluginName: pluginName(command),
        ResponseCode: inv.responseCode,
        ExecutionStartDateTime: iso(inv.started),
        ExecutionElapsedTime: TERMINAL.has(inv.status) ? `PT${elapsed.toFixed(3)}S` : '',
        ExecutionEndDateTime: iso(inv.finished),
        Status: inv.status,
        StatusDetails: inv.statusDetails,
        StandardOutputContent: inv.stdout,
        StandardOutputUrl: '',
        StandardErrorContent: inv.stderr,
        StandardErrorUrl: '',
        CloudWatchOutputConfig: command.cloudWatchOutput ?? {
          CloudWatchLogGroupName: '',
          CloudWatchOutputEnabled: false,
        },
      };
    }),
    ListCommandInvocations: op<ListCommandInvocationsRequest, ListCommandInvocationsResult>((input) => {
      if (input.Filters?.length)
        throw new UnsupportedOperationError(
          'simulated account does not implement ListCommandInvocations Filters',
        );
      if (input.CommandId && !state.commands.has(input.CommandId)) {
        throw ssmError('InvalidCommandId', `Command ${input.CommandId} is not valid.`);
      }
      const all = [...state.invocations.values()]
        .filter((i) => !input.CommandId || i.commandId === input.CommandId)
        .filter((i) => !input.InstanceId || i.instanceId === input.InstanceId)
        .sort((a, b) => b.requested.getTime() - a.requested.getTime());
      if (input.NextToken === undefined) for (const inv of all) observe(inv);
      const page = ssmPage(all, input.MaxResults, input.NextToken, [
        input.CommandId,
        input.InstanceId,
        input.Details,
      ]);
      const CommandInvocations: CommandInvocation[] = page.items.map((inv) => {
        const command = state.commands.get(inv.commandId)!;
        return {
          CommandId: command.id,
          InstanceId: inv.instanceId,
          InstanceName: '',
          Comment: command.comment ?? '',
          DocumentName: command.documentName,
          DocumentVersion: command.documentVersion ?? '$DEFAULT',
          RequestedDateTime: new Date(inv.requested.getTime()),
          Status: inv.status,
          StatusDetails: inv.statusDetails,
          TraceOutput: '',
          StandardOutputUrl: '',
          StandardErrorUrl: '',
          ServiceRole: command.serviceRoleArn ?? '',
          CloudWatchOutputConfig: command.cloudWatchOutput ?? {
            CloudWatchLogGroupName: '',
            CloudWatchOutputEnabled: false,
          },
          CommandPlugins: input.Details
            ? [
                {
                  Name: pluginName(command),
                  Status: inv.status,
                  StatusDetails: inv.statusDetails,
                  ResponseCode: inv.responseCode,
                  ...(inv.started ? { ResponseStartDateTime: new Date(inv.started.getTime()) } : {}),
                  ...(inv.finished ? { ResponseFinishDateTime: new Date(inv.finished.getTime()) } : {}),
                  Output: `${inv.stdout}${inv.stderr ? `\n----------ERROR-------\n${inv.stderr}` : ''}`,
                  StandardOutputUrl: '',
                  StandardErrorUrl: '',
                  OutputS3Region: state.region,
                },
              ]
            : [],
        };
      });
      return { CommandInvocations, NextToken: page.nextToken };
    }),
    ListCommands: op<ListCommandsRequest, ListCommandsResult>((input) => {
      if (input.Filters?.length)
        throw new UnsupportedOperationError('simulated account does not implement ListCommands Filters');
      if (input.CommandId && !state.commands.has(input.CommandId)) {
        throw ssmError('InvalidCommandId', `Command ${input.CommandId} is not valid.`);
      }
      const all = [...state.commands.values()]
        .filter((c) => !input.CommandId || c.id === input.CommandId)
        .filter((c) => !input.InstanceId || c.instanceIds.includes(input.InstanceId))
        .sort((a, b) => b.requested.getTime() - a.requested.getTime());
      const page = ssmPage(all, input.MaxResults, input.NextToken, [input.CommandId, input.InstanceId]);
      return { Commands: page.items.map(renderCommand), NextToken: page.nextToken };
    }),
    DescribeInstanceInformation: op<DescribeInstanceInformationRequest, DescribeInstanceInformationResult>(
      (input) => {
        const filters: Array<{ key: string; values: string[] }> = [
          ...(input.InstanceInformationFilterList ?? []).map((f) => ({
            key: f.key ?? '',
            values: f.valueSet ?? [],
          })),
          ...(input.Filters ?? []).map((f) => ({ key: f.Key ?? '', values: f.Values ?? [] })),
        ];
        const rows: InstanceInformation[] = [];
        for (const i of state.instances.values()) {
          const stale = state.ssmStaleOnline.has(i.id);
          if (!stale && (!i.ssmManaged || i.state === 'terminated')) continue;
          const windows = i.platform === 'windows';
          const bottlerocket = i.variant === 'bottlerocket';
          const info: InstanceInformation = {
            InstanceId: i.id,
            PingStatus: stale || i.state === 'running' ? 'Online' : 'ConnectionLost',
            LastPingDateTime: state.clock.now(),
            AgentVersion: '3.3.1142.0',
            IsLatestVersion: true,
            PlatformType: windows ? 'Windows' : 'Linux',
            PlatformName: windows
              ? 'Microsoft Windows Server 2022 Datacenter'
              : bottlerocket
                ? 'Bottlerocket'
                : 'Amazon Linux',
            PlatformVersion: windows ? '10.0.20348' : bottlerocket ? '1.30.0' : '2023',
            ResourceType: 'EC2Instance',
            IPAddress: i.privateIp,
            ComputerName: `ip-${i.privateIp.replace(/\./g, '-')}.ec2.internal`,
            SourceId: i.id,
            SourceType: 'AWS::EC2::Instance',
          };
          const fields: Record<string, string | undefined> = {
            InstanceIds: info.InstanceId,
            PingStatus: info.PingStatus,
            PlatformTypes: info.PlatformType,
            ResourceType: info.ResourceType,
            AgentVersion: info.AgentVersion,
          };
          const ok = filters.every((f) => {
            if (!(f.key in fields)) {
              throw new UnsupportedOperationError(
                `simulated account does not implement DescribeInstanceInformation filter ${f.key}`,
              );
            }
            return f.values.includes(fields[f.key] ?? '');
          });
          if (ok) rows.push(info);
        }
        const limits = { min: 5, max: 50, defaultSize: 50 };
        const page = paginate(rows, input.MaxResults, input.NextToken, limits, filters, validation);
        return { InstanceInformationList: page.items, NextToken: page.nextToken };
      },
    ),
    CreateDocument: op<CreateDocumentRequest, CreateDocumentResult>((input) => {
      const name = input.Name ?? '';
      if (!/^[a-zA-Z0-9_.-]{3,128}$/.test(name))
        throw validation(`Value '${name}' at 'name' failed to satisfy constraint`);
      if (/^(AWS|Amazon)/i.test(name))
        throw validation('Document names cannot start with the prefixes AWS, Amazon or amzn.');
      if (state.documents.has(name) || BUILT_IN_DOCUMENTS[name]) {
        throw ssmError('DocumentAlreadyExists', `Document with same name ${name} already exists`);
      }
      const format = input.DocumentFormat ?? 'JSON';
      if (format !== 'JSON')
        throw new UnsupportedOperationError('simulated account only parses JSON documents');
      try {
        JSON.parse(input.Content ?? '');
      } catch {
        throw ssmError('InvalidDocumentContent', 'The content for the document is not valid.');
      }
      const doc: SimDocument = {
        name,
        content: input.Content!,
        documentType: input.DocumentType ?? 'Command',
        documentFormat: format,
        created: state.clock.now(),
        hash: hashString(input.Content!).repeat(8),
      };
      state.documents.set(name, doc);
      return { DocumentDescription: renderDocument(doc) };
    }),
    // Tags of a document (documents carry none in the simulation); other resource types are not modelled.
    ListTagsForResource: op<ListTagsForResourceRequest, ListTagsForResourceResult>((input) => {
      if (input.ResourceType !== 'Document') {
        throw new UnsupportedOperationError(
          `simulated account does not implement ssm:ListTagsForResource for ${input.ResourceType}`,
        );
      }
      if (!state.documents.has(input.ResourceId ?? '')) {
        throw ssmError('InvalidResourceId', 'The resource ID is not valid. Verify the ID and try again.');
      }
      return { TagList: [] };
    }),
    DescribeDocument: op<DescribeDocumentRequest, DescribeDocumentResult>((input) => {
      const doc = state.documents.get(input.Name ?? '');
      if (!doc) throw ssmError('InvalidDocument', `Document with name ${input.Name ?? ''} does not exist.`);
      return { Document: renderDocument(doc) };
    }),
  };
}
