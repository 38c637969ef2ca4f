// The pure pieces of `npm run bench` (bench/lib.ts and the layout helper of the API-call bench). The benches
// themselves are not run here: they are slow and measure time, which tests never assert.
import {
  batchFloorSeconds,
  DEFAULT_RUNS,
  type Figure,
  figureCells,
  median,
  parseBenchArgs,
  perThousand,
  remediationFloorSeconds,
  renderTable,
  repeat,
  scheduleIntervalSeconds,
  TABLE_HEADERS,
  wrap,
} from '../../bench/lib';
import { subnetCidr } from '../../bench/plan.bench';
import { ROLLOUT_SCHEDULE } from '../../bench/remediate.bench';
import { InvalidInputError } from '../../shared/errors';

describe('median', () => {
  it('returns the middle value of an odd number of unsorted samples', () => {
    // Act
    const result = median([9, 1, 5, 3, 7]);

    // Assess
    expect(result).toBe(5);
  });

  it('returns the mean of the two middle values of an even number of samples', () => {
    // Act
    const result = median([4, 1, 10, 2]);

    // Assess
    expect(result).toBe(3);
  });

  it('leaves the samples in their original order', () => {
    // Prepare
    const samples = [3, 1, 2];

    // Act
    median(samples);

    // Assess
    expect(samples).toEqual([3, 1, 2]);
  });

  it('rejects an empty or non-finite sample list', () => {
    // Act / Assess
    expect(() => median([])).toThrow(RangeError);
    expect(() => median([1, Number.NaN])).toThrow(/non-finite/);
  });
});

describe('parseBenchArgs', () => {
  it('uses the default run count and no filter when given nothing', () => {
    // Act
    const options = parseBenchArgs([], {});

    // Assess
    expect(options).toEqual({ runs: DEFAULT_RUNS });
  });

  it('takes the run count from BENCH_RUNS and lets --runs override it', () => {
    // Act
    const fromEnv = parseBenchArgs([], { BENCH_RUNS: '7' });
    const fromFlag = parseBenchArgs(['plan', '--runs', '3'], { BENCH_RUNS: '7' });
    const fromEquals = parseBenchArgs(['--runs=2'], {});

    // Assess
    expect(fromEnv).toEqual({ runs: 7 });
    expect(fromFlag).toEqual({ runs: 3, filter: 'plan' });
    expect(fromEquals).toEqual({ runs: 2 });
  });

  it.each([
    [['--runs', '0'], '--runs'],
    [['--runs', '2.5'], '--runs'],
    [['--runs', '101'], '--runs'],
    [['--runs'], '--runs'],
    [['--fast'], '--fast'],
    [['plan', 'workflow'], 'workflow'],
  ])('rejects %j with an InvalidInputError naming %s', (argv, field) => {
    // Prepare
    expect.assertions(2);

    // Act
    let thrown: unknown;
    try {
      parseBenchArgs(argv, {});
    } catch (err) {
      thrown = err;
    }

    // Assess
    expect(thrown).toBeInstanceOf(InvalidInputError);
    expect((thrown as InvalidInputError).context.field).toBe(field);
  });

  it('rejects a BENCH_RUNS that is not a whole number', () => {
    // Act / Assess
    expect(() => parseBenchArgs([], { BENCH_RUNS: 'five' })).toThrow(/BENCH_RUNS must be a whole number/);
  });
});

describe('repeat', () => {
  it('runs the measurement the given number of times, in order', async () => {
    // Prepare
    const seen: number[] = [];

    // Act
    const results = await repeat(3, async (run) => {
      seen.push(run);
      return run * 10;
    });

    // Assess
    expect(seen).toEqual([0, 1, 2]);
    expect(results).toEqual([0, 10, 20]);
  });
});

describe('batchFloorSeconds', () => {
  it('is 20 s on the rollout schedule the workflow uses (poll at 5 s, then 5 s and 10 s waits; 15 s settle)', () => {
    // Act
    const seconds = batchFloorSeconds(ROLLOUT_SCHEDULE);

    // Assess
    expect(ROLLOUT_SCHEDULE).toEqual({ pollMinSeconds: 5, pollMaxSeconds: 30, settleSeconds: 15 });
    expect(seconds).toBe(20);
  });

  it('waits for the first poll after a slow command ends, then for the settle time on the backoff schedule', () => {
    // Prepare: polls at 5, 10, 20, 40 s; a 12 s command is seen at 20 s (ended 8 s before), accepted at 40 s.
    const schedule = { pollMinSeconds: 5, pollMaxSeconds: 30, settleSeconds: 15 };

    // Act
    const seconds = batchFloorSeconds(schedule, 12);

    // Assess
    expect(seconds).toBe(40);
  });

  it('never accepts the reconnect on the poll that saw the command end', () => {
    // Act
    const seconds = batchFloorSeconds({ pollMinSeconds: 5, pollMaxSeconds: 30, settleSeconds: 0 });

    // Assess
    expect(seconds).toBe(10);
  });

  it('caps the poll backoff at the maximum interval', () => {
    // Prepare: polls at 5, 10, 20, 40, 70, 100 s; a 60 s command is seen at 70 s and accepted at 100 s.
    const schedule = { pollMinSeconds: 5, pollMaxSeconds: 30, settleSeconds: 15 };

    // Act
    const seconds = batchFloorSeconds(schedule, 60);

    // Assess
    expect(seconds).toBe(100);
  });

  it('rejects a schedule that cannot advance', () => {
    // Act / Assess
    expect(() => batchFloorSeconds({ pollMinSeconds: 0, pollMaxSeconds: 30, settleSeconds: 15 })).toThrow(
      RangeError,
    );
    expect(() => batchFloorSeconds({ pollMinSeconds: 10, pollMaxSeconds: 5, settleSeconds: 15 })).toThrow(
      RangeError,
    );
  });
});

describe('remediationFloorSeconds', () => {
  it('adds one per-batch minimum per batch, rounding a partial batch up', () => {
    // Act
    const even = remediationFloorSeconds({
      endpointReadySeconds: 165,
      instances: 100,
      batchSize: 10,
      perBatchSeconds: 20,
    });
    const partial = remediationFloorSeconds({
      endpointReadySeconds: 165,
      instances: 101,
      batchSize: 10,
      perBatchSeconds: 20,
    });

    // Assess
    expect(even).toBe(165 + 10 * 20);
    expect(partial).toBe(165 + 11 * 20);
  });

  it('is the endpoint-ready delay alone when there is nothing to restart', () => {
    // Act
    const seconds = remediationFloorSeconds({
      endpointReadySeconds: 45,
      instances: 0,
      batchSize: 1,
      perBatchSeconds: 20,
    });

    // Assess
    expect(seconds).toBe(45);
  });

  it('rejects a batch size below 1', () => {
    // Act / Assess
    expect(() =>
      remediationFloorSeconds({ endpointReadySeconds: 0, instances: 10, batchSize: 0, perBatchSeconds: 20 }),
    ).toThrow(/batchSize/);
  });
});

describe('perThousand', () => {
  it('scales a count to 1,000 events, and is 0 for no events', () => {
    // Act / Assess
    expect(perThousand(0, 2820)).toBe(0);
    expect(perThousand(2400, 2820)).toBeCloseTo(851.06, 2);
    expect(perThousand(5, 0)).toBe(0);
  });

  it('rejects a negative count or a fractional event count', () => {
    // Act / Assess
    expect(() => perThousand(-1, 10)).toThrow(RangeError);
    expect(() => perThousand(1, 2.5)).toThrow(RangeError);
  });
});

describe('scheduleIntervalSeconds', () => {
  it.each([
    ['rate(6 hours)', 21_600],
    ['rate(1 hour)', 3600],
    ['rate(30 minutes)', 1800],
    ['rate(1 day)', 86_400],
  ])('reads %s as %i s', (schedule, seconds) => {
    // Act / Assess
    expect(scheduleIntervalSeconds(schedule)).toBe(seconds);
  });

  it.each(['cron(0 3 * * ? *)', 'rate(0 hours)', 'rate(6 weeks)', 'every 6 hours'])(
    'has no single interval for %s',
    (schedule) => {
      // Act / Assess
      expect(scheduleIntervalSeconds(schedule)).toBeUndefined();
    },
  );
});

describe('figureCells', () => {
  it('reports the median, run count, spread, reference and ratio of a figure', () => {
    // Prepare
    const figure: Figure = {
      section: 'Bundles',
      case: 'Sweep',
      figure: 'cold import ms',
      samples: [120, 100, 110, 140, 90],
      digits: 1,
      reference: { label: 'baseline', value: 55 },
    };

    // Act
    const cells = figureCells(figure);

    // Assess
    expect(cells).toEqual([
      'Bundles',
      'Sweep',
      'cold import ms',
      '110.0',
      '5',
      '90.0-140.0',
      'baseline 55.0',
      '×2.00',
    ]);
  });

  it('says when every run gave the same value, and explains a reduced run count', () => {
    // Prepare
    const figure: Figure = {
      section: 'Workflow scale',
      case: '10000 instances',
      figure: 'state transitions',
      samples: [194, 194, 194],
      runsNote: 'capped at 3',
      note: 'target 40 + 10 per batch',
    };

    // Act
    const cells = figureCells(figure);

    // Assess
    expect(cells[3]).toBe('194');
    expect(cells[4]).toBe('3 (capped at 3)');
    expect(cells[5]).toBe('same every run');
    expect(cells[7]).toBe('target 40 + 10 per batch');
  });
});

describe('renderTable', () => {
  it('prints one header, a rule, each figure on its own line and the section only where it changes', () => {
    // Prepare
    const figures: Figure[] = [
      { section: 'API calls', case: 'sim, 1 subnet', figure: 'plan reads', samples: [8, 8, 8] },
      { section: 'API calls', case: 'sim, 1000 subnets', figure: 'plan reads', samples: [18, 18, 18] },
      { section: 'Workflow scale', case: '10 instances', figure: 'state transitions', samples: [104] },
    ];

    // Act
    const lines = renderTable(figures).trimEnd().split('\n');

    // Assess
    expect(lines).toHaveLength(5);
    expect(lines[0]!.split(/\s{2,}/)).toEqual([...TABLE_HEADERS]);
    expect(lines[1]).toMatch(/^-+( +-+)+$/);
    expect(lines[2]).toMatch(/^API calls +sim, 1 subnet +plan reads +8 +3 +same every run$/);
    expect(lines[3]).toMatch(/^ {9,}sim, 1000 subnets +plan reads +18 +3 +same every run$/);
    expect(lines[4]).toMatch(/^Workflow scale +10 instances +state transitions +104 +1 +-$/);
  });

  it('right-aligns the medians so their last digits line up', () => {
    // Prepare
    const figures: Figure[] = [
      { section: 'A', case: 'x', figure: 'f', samples: [5] },
      { section: 'A', case: 'y', figure: 'f', samples: [12345] },
    ];

    // Act
    const lines = renderTable(figures).split('\n');

    // Assess
    const end = (line: string, value: string) => line.indexOf(value) + value.length;
    expect(end(lines[2]!, ' 5 ')).toBe(end(lines[3]!, ' 12345 '));
  });

  it('wraps footnotes below the table', () => {
    // Prepare
    const note = `floor = ${'word '.repeat(40).trim()}`;

    // Act
    const text = renderTable([{ section: 'S', case: 'c', figure: 'f', samples: [1] }], [note]);

    // Assess
    const tail = text.trimEnd().split('\n').slice(4);
    expect(tail.length).toBeGreaterThan(1);
    expect(tail.every((line) => line.length <= 110)).toBe(true);
    expect(tail.join(' ')).toBe(note);
  });
});

describe('wrap', () => {
  it('breaks at spaces within the width and keeps an over-long word on its own line', () => {
    // Act
    const lines = wrap('aa bb cc averyveryverylongword dd', 8);

    // Assess
    expect(lines).toEqual(['aa bb cc', 'averyveryverylongword', 'dd']);
  });
});

describe('subnetCidr', () => {
  it('carves consecutive /28s out of 10.0.0.0/16', () => {
    // Act / Assess
    expect(subnetCidr(0)).toBe('10.0.0.0/28');
    expect(subnetCidr(1)).toBe('10.0.0.16/28');
    expect(subnetCidr(16)).toBe('10.0.1.0/28');
    expect(subnetCidr(4095)).toBe('10.0.255.240/28');
  });

  it('rejects an index beyond the 4,096 subnets of the /16', () => {
    // Act / Assess
    expect(() => subnetCidr(4096)).toThrow(RangeError);
    expect(() => subnetCidr(-1)).toThrow(RangeError);
  });
});
