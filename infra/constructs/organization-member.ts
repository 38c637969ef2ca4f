// What an organization member adds to the service's resources: the rule that forwards this account-region's
// completion events and trigger decisions to the hub bus, and the read-only planning role the hub assumes.
// The hub's account and region arrive as StackSet parameters (tokens CloudFormation resolves per instance).
import { Aws } from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { EventBus as EventBusTarget } from 'aws-cdk-lib/aws-events-targets';
import { AccountPrincipal, type PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DECISION_DETAIL_TYPE, ORG_EVENT_SOURCE } from '../../shared/org/events';
import { HUB_BUS_NAME, plannerRoleName } from '../../shared/org/names';
import { PLANNER_PERMISSIONS } from '../../shared/org/permissions';
import type { PermissionDeclaration } from '../../shared/permissions';
import { COMPLETED_DETAIL_TYPE } from '../../shared/workflow/summary';

export interface OrganizationMemberProps {
  hubAccountId: string;
  hubRegion: string;
  /** Events the hub bus does not accept after the retries land here. */
  deadLetterQueue: IQueue;
  /** Statements for declarations (the stack's builder, which also records them for the nag reasons). */
  statementsFor: (declarations: PermissionDeclaration[]) => PolicyStatement[];
}

export class OrganizationMember extends Construct {
  public readonly hubBusArn: string;
  public readonly forwardRule: Rule;
  /** Assumed by EventBridge to put the forwarded events on the hub bus (required across accounts and regions). */
  public readonly forwardRole: Role;
  public readonly plannerRole: Role;

  public constructor(scope: Construct, id: string, props: OrganizationMemberProps) {
    super(scope, id);
    this.hubBusArn = `arn:${Aws.PARTITION}:events:${props.hubRegion}:${props.hubAccountId}:event-bus/${HUB_BUS_NAME}`;

    this.forwardRole = new Role(this, 'ForwardRole', {
      assumedBy: new ServicePrincipal('events.amazonaws.com'),
      description:
        'privatelink-ecs: EventBridge puts this account-region’s events on the organization hub bus',
    });
    // The EventBus target grants the role events:PutEvents on the hub bus, and nothing else.
    this.forwardRule = new Rule(this, 'ForwardRule', {
      description:
        'privatelink-ecs: forward remediation results and trigger decisions to the organization hub',
      eventPattern: { source: [ORG_EVENT_SOURCE], detailType: [COMPLETED_DETAIL_TYPE, DECISION_DETAIL_TYPE] },
      targets: [
        new EventBusTarget(EventBus.fromEventBusArn(this, 'HubBus', this.hubBusArn), {
          role: this.forwardRole,
          deadLetterQueue: props.deadLetterQueue,
        }),
      ],
    });

    this.plannerRole = new Role(this, 'PlannerRole', {
      roleName: plannerRoleName(Aws.REGION),
      assumedBy: new AccountPrincipal(props.hubAccountId),
      description:
        'privatelink-ecs plan --org: read-only inventory reads, assumed from the organization hub account',
    });
    for (const statement of props.statementsFor(PLANNER_PERMISSIONS)) {
      this.plannerRole.addToPrincipalPolicy(statement);
    }
  }
}
