import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Construct } from 'constructs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type { DepotEnvironment } from './environment';
import { attachedPolicy } from './grants';
import type { LocationType } from './location';

/**
 * Above this size (bytes of compact JSON) a package goes to S3 as an asset, by default.
 * CloudFormation sends a custom resource's properties inside the request to the entity creator,
 * and an Update carries both the new and the old properties; templates are limited to 1 MB.
 * 32 KiB keeps a stack with a few datasets far from every one of those limits.
 */
export const DEFAULT_INLINE_LIMIT_BYTES = 32 * 1024;

export type PackageMode = 'auto' | 'inline' | 'asset';

export interface PackageOptions {
  /**
   * `inline`: the package travels in the dataset properties (`package`). `asset`: it is uploaded
   * as an S3 asset and the properties carry its `packageUri`. `auto`: inline when small enough.
   * @default 'auto'
   */
  readonly mode?: PackageMode;
  /** @default DEFAULT_INLINE_LIMIT_BYTES */
  readonly inlineLimitBytes?: number;
}

/** A package (SPEC §1): a named group of logical schemas, inline or as an S3 asset. */
export class Package extends Construct {
  /** A package from a JSON file. */
  static fromFile(scope: Construct, id: string, file: string, options: PackageOptions = {}): Package {
    const text = fs.readFileSync(file, 'utf8');
    let content: unknown;
    try {
      content = JSON.parse(text);
    } catch (e) {
      throw new Error(`package file ${file} is not JSON: ${(e as Error).message}`);
    }
    return new Package(scope, id, content, file, options);
  }

  /** A package given as a JavaScript object. */
  static fromObject(scope: Construct, id: string, content: unknown, options: PackageOptions = {}): Package {
    return new Package(scope, id, content, undefined, options);
  }

  readonly packageName: string;
  readonly content: Record<string, unknown>;
  /** The S3 asset, when the package travels by reference. */
  readonly asset?: s3assets.Asset;
  private readonly grants = new Map<string, iam.Policy>();

  private constructor(
    scope: Construct,
    id: string,
    content: unknown,
    file: string | undefined,
    options: PackageOptions,
  ) {
    super(scope, id);
    if (typeof content !== 'object' || content === null || Array.isArray(content)) {
      throw new Error(`package ${file ?? id} must be a JSON object`);
    }
    const pkg = content as Record<string, unknown>;
    if (typeof pkg.name !== 'string' || typeof pkg.schemas !== 'object' || pkg.schemas === null) {
      throw new Error(`package ${file ?? id} must have a \`name\` and \`schemas\` (SPEC §1)`);
    }
    this.packageName = pkg.name;
    this.content = pkg;
    const compact = JSON.stringify(pkg);
    const mode = options.mode ?? 'auto';
    const limit = options.inlineLimitBytes ?? DEFAULT_INLINE_LIMIT_BYTES;
    const asAsset = mode === 'asset' || (mode === 'auto' && Buffer.byteLength(compact) > limit);
    if (asAsset) {
      let assetPath = file;
      if (!assetPath) {
        // Content-addressed, so repeated synths reuse one file.
        const digest = crypto.createHash('sha256').update(compact).digest('hex').slice(0, 20);
        const dir = path.join(os.tmpdir(), `depot-package-${digest}`);
        fs.mkdirSync(dir, { recursive: true });
        assetPath = path.join(dir, 'package.json');
        if (!fs.existsSync(assetPath)) fs.writeFileSync(assetPath, compact);
      }
      this.asset = new s3assets.Asset(this, 'Asset', { path: assetPath });
    }
  }

  /** SPEC §2: `{ package }` inline, or `{ packageUri }` (an `s3://` URI) for an asset. */
  toProperties(): Record<string, unknown> {
    return this.asset ? { packageUri: this.asset.s3ObjectUrl } : { package: this.content };
  }

  /**
   * For an asset: lets the environment's entity creator of this engine read that one object
   * (s3:GetObject on its key only). Nothing to grant for an inline package.
   */
  grantTo(environment: DepotEnvironment, engine: LocationType): iam.Policy | undefined {
    if (!this.asset) return undefined;
    const key = `${environment.node.addr}/${engine}`;
    let policy = this.grants.get(key);
    if (!policy) {
      const asset = this.asset;
      policy = attachedPolicy(this, `AssetRead${environment.environmentId}${engine}`, [environment.entityCreatorRole(engine)], [
        new iam.PolicyStatement({
          sid: 'ReadPackageAsset',
          actions: ['s3:GetObject'],
          resources: [asset.bucket.arnForObjects(asset.s3ObjectKey)],
        }),
      ]);
      this.grants.set(key, policy);
    }
    return policy;
  }
}
