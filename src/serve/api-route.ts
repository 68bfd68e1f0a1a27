import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Scope } from './tokens.js';

/**
 * One endpoint: its schemas (zod) are both the validation and the OpenAPI document. `scope` null
 * means open (health probes, the OpenAPI document itself).
 */
export interface ApiRoute {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  summary: string;
  scope: Scope | null;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  responses: Record<number, z.ZodType>;
  handler(req: FastifyRequest & { body: any; params: any; query: any }, reply: FastifyReply): Promise<unknown>;
}

/** A 4xx/5xx with the one-line JSON error `{"error": "<field>: <problem>"}`. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}
