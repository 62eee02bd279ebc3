import { applyDecorators, BadRequestException, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';

/**
 * Who performs an operator action (acknowledge, shelve, rule changes), for the alarm history. There is no
 * authentication yet: the caller names itself in the `X-Actor` header, and nobody is `anonymous`. Issue 9 replaces
 * this with the authenticated user; until then the name is a label, not a proof.
 */
export const ACTOR_HEADER = 'x-actor';
export const ANONYMOUS_ACTOR = 'anonymous';
export const MAX_ACTOR_LENGTH = 128;

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** The actor named by the header value, or `anonymous`; throws a 400 for a name that cannot be stored. */
export function actorOf(header: string | string[] | undefined): string {
  const value = (Array.isArray(header) ? header[0] : header)?.trim() ?? '';
  if (value === '') return ANONYMOUS_ACTOR;
  if (value.length > MAX_ACTOR_LENGTH || CONTROL_CHARACTERS.test(value)) {
    throw new BadRequestException(`X-Actor must be 1 to ${MAX_ACTOR_LENGTH} printable characters`);
  }
  return value;
}

/** Injects the actor of the request (see actorOf). */
export const Actor = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => {
  const request = ctx.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>();
  return actorOf(request.headers[ACTOR_HEADER]);
});

/** Documents the X-Actor header on an operation. */
export const ApiActor = (): MethodDecorator & ClassDecorator =>
  applyDecorators(
    ApiHeader({
      name: 'X-Actor',
      required: false,
      description:
        'Who performs the action, recorded in the alarm history (default `anonymous`). A label until authentication arrives (issue 9), which will take the user from the login instead.',
    }),
  );
