import { CreateVpcCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { createAwsClients } from '../../shared/clients';
import { VPC_ID_PATTERN } from '../../shared/ids';
import { resetMoto } from '../support/moto';

describe('moto harness', () => {
  const { ec2 } = createAwsClients();

  beforeEach(resetMoto);

  it('routes the real SDK clients to moto through AWS_ENDPOINT_URL and resets between tests', async () => {
    // Act
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
    const before = await ec2.send(new DescribeVpcsCommand({ VpcIds: [Vpc!.VpcId!] }));
    await resetMoto();
    const after = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: ['10.0.0.0/16'] }] }),
    );

    // Assess
    expect(Vpc!.VpcId).toMatch(VPC_ID_PATTERN);
    expect(before.Vpcs).toHaveLength(1);
    expect(after.Vpcs).toEqual([]);
  });
});
