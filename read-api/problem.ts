import { Type } from 'typebox';
import type { Static } from 'typebox';

/**
 * RFC 9457 problem details, the body of every error the read API answers,
 * sent as `application/problem+json`. `code` is the stable, machine-readable
 * part; `title` is for people.
 */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    code: Type.String(),
    detail: Type.Optional(Type.String()),
  },
  { $id: 'Problem' },
);

export type Problem = Static<typeof ProblemSchema>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const problem = (status: number, code: string, title: string, detail?: string): Problem => ({
  type: `urn:commerce-core:problem:${code}`,
  title,
  status,
  code,
  ...(detail === undefined ? {} : { detail }),
});
