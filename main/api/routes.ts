/**
 * The POS integration API's route table. Each route names its request and response schema,
 * so validation and the OpenAPI document come from the same place.
 */
import type { z } from 'zod';
import { identifyAnywhere, enrol } from '../service/members.js';
import { quote, recordSale } from '../service/sales.js';
import { takeReturn } from '../service/returns.js';
import type { TillContext } from '../service/context.js';
import type { Principal } from './staff.js';
import {
  EnrolRequest,
  EnrolResponse,
  HealthResponse,
  IdentifyRequest,
  MemberSummary,
  QuoteRequest,
  QuoteResponse,
  ReturnRequest,
  ReturnResponse,
  SaleRequest,
  SaleResponse,
  RewardRedeemRequest,
  RewardRedeemResponse,
  CouponUseRequest,
  CouponResponse,
  RewardCatalogue,
  ServiceClaimRequest,
  ServiceClaimResponse,
  CategoryList,
} from './schemas.js';
import { redeemReward, rewardCatalogue, useCoupon } from '../service/rewards.js';
import { claimService } from '../service/free-services.js';
import { health } from '../service/health.js';
import { categoriesOf } from '../../core/ruleset/names.js';

export interface RouteAnswer {
  status: number;
  /** JSON unless `contentType` is set, then a Buffer or string sent as is */
  body: unknown;
  contentType?: string;
}

export interface RouteInput {
  body: unknown;
  /** `{name}` segments of the route's path */
  params: Record<string, string>;
  query: URLSearchParams;
  /** who is calling: the POS (API key) or a signed-in staff member (main/api/staff.ts) */
  principal?: Principal;
  /** where the request comes from, for the sign-in delay: SCREEN (the till's window) or `addr:<remote address>` */
  client?: string;
}

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  /** the OpenAPI operationId: the method name a generated client gives this call */
  operationId: string;
  summary: string;
  request?: z.ZodType;
  response: z.ZodType;
  successStatus: number;
  /** query parameters, for the OpenAPI document */
  query?: z.ZodType;
  /** true: answered without credentials (staff sign-in only) */
  public?: boolean;
  handle(ctx: TillContext, body: unknown, input: RouteInput): RouteAnswer | Promise<RouteAnswer>;
}

export function routes(opts: { hqUrl: string | null; extra?: readonly Route[] }): Route[] {
  return [
    ...(opts.extra ?? []),
    {
      method: 'GET',
      path: '/v1/health',
      operationId: 'getHealth',
      summary: 'Till and store ids, version, online/offline, last sync, entries waiting to upload',
      response: HealthResponse,
      successStatus: 200,
      handle: (ctx) => ({ status: 200, body: health(ctx, opts.hqUrl) }),
    },
    {
      method: 'POST',
      path: '/v1/members/identify',
      operationId: 'identifyMember',
      summary:
        'Identify a member by scanned code (barcode, NFC UID, member QR) or mobile number; a number this till does ' +
        'not know is asked of head office while online (a member of another store)',
      request: IdentifyRequest,
      response: MemberSummary,
      successStatus: 200,
      handle: async (ctx, body) => ({ status: 200, body: await identifyAnywhere(ctx, IdentifyRequest.parse(body)) }),
    },
    {
      method: 'POST',
      path: '/v1/members',
      operationId: 'enrolMember',
      summary: 'Enrol a member with recorded consent; optionally link a scanned card',
      request: EnrolRequest,
      response: EnrolResponse,
      successStatus: 201,
      handle: (ctx, body) => {
        const r = enrol(ctx, EnrolRequest.parse(body));
        return { status: 201, body: { ...r.summary, bonusPoints: r.bonusPoints } };
      },
    },
    {
      method: 'POST',
      path: '/v1/baskets/quote',
      operationId: 'quoteBasket',
      summary: 'Points a basket would earn, with breakdown, and what may be redeemed. Changes nothing.',
      request: QuoteRequest,
      response: QuoteResponse,
      successStatus: 200,
      handle: (ctx, body) => ({ status: 200, body: quote(ctx, QuoteRequest.parse(body)) }),
    },
    {
      method: 'POST',
      path: '/v1/sales',
      operationId: 'recordSale',
      summary: 'Record a completed sale (idempotent by saleId; 409 idempotency_conflict on a different body)',
      request: SaleRequest,
      response: SaleResponse,
      successStatus: 201,
      handle: (ctx, body) => {
        const r = recordSale(ctx, SaleRequest.parse(body));
        return { status: r.replayed ? 200 : 201, body: r.result };
      },
    },
    {
      method: 'POST',
      path: '/v1/returns',
      operationId: 'recordReturn',
      summary:
        'Record a return against an earlier sale of any store (idempotent by returnId); a sale of another store ' +
        'is fetched from head office, and cannot be returned offline (409 original_sale_elsewhere)',
      request: ReturnRequest,
      response: ReturnResponse,
      successStatus: 201,
      handle: async (ctx, body) => {
        const r = await takeReturn(ctx, ReturnRequest.parse(body));
        return { status: r.replayed ? 200 : 201, body: r.result };
      },
    },
    {
      method: 'GET',
      path: '/v1/rewards',
      operationId: 'listRewards',
      summary: 'The reward catalogue of the rule set in force',
      response: RewardCatalogue,
      successStatus: 200,
      handle: (ctx) => ({ status: 200, body: rewardCatalogue(ctx) }),
    },
    {
      method: 'GET',
      path: '/v1/categories',
      operationId: 'listCategories',
      summary: 'Categories of the rule set in force with their zh-CN and English names (for keyed sales and screens)',
      response: CategoryList,
      successStatus: 200,
      handle: (ctx) => {
        const rs = ctx.rules.at(ctx.now().toISOString());
        const body = categoriesOf(rs).map((c) => ({
          ...c,
          excluded: rs.earn.excludedCategories.includes(c.code),
          multiplier: rs.earn.categoryMultipliers[c.code] ?? '1',
        }));
        return { status: 200, body };
      },
    },
    {
      method: 'POST',
      path: '/v1/rewards/redeem',
      operationId: 'redeemReward',
      summary: "Spend a member's points on a catalogue reward; returns a single-use coupon",
      request: RewardRedeemRequest,
      response: RewardRedeemResponse,
      successStatus: 201,
      handle: async (ctx, body) => ({ status: 201, body: await redeemReward(ctx, RewardRedeemRequest.parse(body)) }),
    },
    {
      method: 'POST',
      path: '/v1/coupons/use',
      operationId: 'useCoupon',
      summary: 'Use a coupon once (409 coupon_used the second time, everywhere)',
      request: CouponUseRequest,
      response: CouponResponse,
      successStatus: 200,
      handle: (ctx, body) => ({ status: 200, body: useCoupon(ctx, CouponUseRequest.parse(body)) }),
    },
    {
      method: 'POST',
      path: '/v1/members/{memberNo}/services/claim',
      operationId: 'claimService',
      summary:
        "Claim a free service the member's tier offers (yearly allowance; 422 service_not_offered, service_allowance_used)",
      request: ServiceClaimRequest,
      response: ServiceClaimResponse,
      successStatus: 201,
      handle: (ctx, body, input) => {
        const req = ServiceClaimRequest.parse(body);
        // A staff session acts under its own number (the gate stamps only fixed paths).
        const staffId = input.principal?.kind === 'staff' ? input.principal.session.staffId : req.staffId;
        const memberNo = input.params.memberNo ?? '';
        return { status: 201, body: claimService(ctx, { memberNo, service: req.service, staffId }) };
      },
    },
  ];
}
