// The one zod entry point of the code that ships: zod/mini (the same validation core as `zod`, without the
// chainable methods every classic schema builds for itself, which cost each Lambda's cold start), with zod's
// English messages, which `zod` itself would install. Schemas import `* as z` from here, never from 'zod'.
import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());

export * from 'zod/mini';
