import type { ClerkInstance } from './instance.js';

/** What the emulated instance offers: email (code or password) and Google, as a development instance set up so. */
const EMAIL_FACTORS = ['email_code'];

function attribute(enabled: boolean, overrides: Record<string, unknown> = {}) {
  return {
    enabled,
    required: false,
    verifications: [],
    used_for_first_factor: false,
    first_factors: [],
    used_for_second_factor: false,
    second_factors: [],
    verify_at_sign_up: false,
    ...overrides,
  };
}

function social(enabled: boolean, strategy: string, name: string) {
  return { enabled, required: false, authenticatable: enabled, strategy, name, logo_url: null };
}

/**
 * The Frontend API's `environment` resource (`GET /v1/environment`), in Clerk's shape: a development instance whose
 * users sign in with an email code or a password, or with Google; sign-up is public; one session per browser is
 * not enforced (multi-session off in the UI, as by default).
 */
export function environmentJson(instance: ClerkInstance) {
  const url = instance.url;
  return {
    object: 'environment',
    id: `env_${instance.instanceId.slice(4)}`,
    auth_config: {
      object: 'auth_config',
      id: `aac_${instance.instanceId.slice(4)}`,
      single_session_mode: true,
      claimed_at: null,
      reverification: false,
    },
    display_config: {
      object: 'display_config',
      id: `display_config_${instance.instanceId.slice(4)}`,
      after_sign_in_url: '',
      after_sign_out_all_url: '',
      after_sign_out_one_url: '',
      after_sign_up_url: '',
      after_switch_session_url: '',
      application_name: 'Clerk sandbox',
      branded: false,
      captcha_public_key: null,
      captcha_widget_type: null,
      captcha_public_key_invisible: null,
      captcha_provider: 'turnstile',
      captcha_oauth_bypass: null,
      home_url: `${url}/`,
      instance_environment_type: 'development',
      logo_image_url: '',
      favicon_image_url: '',
      preferred_sign_in_strategy: 'otp',
      sign_in_url: `${url}/sign-in`,
      sign_up_url: `${url}/sign-up`,
      support_email: '',
      theme: {
        buttons: { font_color: '#ffffff', font_family: '', font_weight: '' },
        general: {
          color: '#6c47ff',
          padding: '',
          box_shadow: '',
          font_color: '#151515',
          font_family: '',
          border_radius: '',
          background_color: '#ffffff',
          label_font_weight: '',
        },
        accounts: { background_color: '#ffffff' },
      },
      user_profile_url: `${url}/user`,
      organization_profile_url: `${url}/organization`,
      create_organization_url: `${url}/create-organization`,
      after_leave_organization_url: '',
      after_create_organization_url: '',
      show_devmode_warning: false,
      terms_url: '',
      privacy_policy_url: '',
      waitlist_url: '',
      after_join_waitlist_url: '',
    },
    user_settings: {
      attributes: {
        email_address: attribute(true, {
          required: true,
          verifications: EMAIL_FACTORS,
          used_for_first_factor: true,
          first_factors: EMAIL_FACTORS,
          verify_at_sign_up: true,
        }),
        phone_number: attribute(false),
        username: attribute(false),
        web3_wallet: attribute(false),
        first_name: attribute(false),
        last_name: attribute(false),
        password: attribute(true),
        authenticator_app: attribute(false),
        backup_code: attribute(false),
        passkey: attribute(false),
      },
      actions: { delete_self: true, create_organization: false },
      social: { oauth_google: social(true, 'oauth_google', 'Google') },
      enterprise_sso: { enabled: false, self_serve_directory_sync: false },
      sign_in: { second_factor: { required: false, enabled: false } },
      sign_up: {
        allowlist_only: false,
        progressive: true,
        captcha_enabled: false,
        mode: 'public',
        legal_consent_enabled: false,
      },
      password_settings: {
        allowed_special_characters: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
        disable_hibp: true,
        min_length: 8,
        max_length: 72,
        require_special_char: false,
        require_numbers: false,
        require_uppercase: false,
        require_lowercase: false,
        show_zxcvbn: false,
        min_zxcvbn_strength: 0,
      },
      passkey_settings: { allow_autofill: false, show_sign_in_button: false },
      username_settings: { min_length: 4, max_length: 64 },
      attack_protection: { enumeration_protection: { enabled: false } },
    },
    organization_settings: {
      object: 'organization_settings',
      id: 'org_settings',
      enabled: false,
      max_allowed_memberships: 5,
      force_organization_selection: false,
      actions: { admin_delete: true },
      domains: { enabled: false, enrollment_modes: [], default_role: null },
      slug: { disabled: true },
    },
    commerce_settings: {
      billing: {
        stripe_publishable_key: null,
        organization: { enabled: false, has_paid_plans: false },
        user: { enabled: false, has_paid_plans: false },
      },
    },
    api_keys_settings: { user_api_keys_enabled: false, orgs_api_keys_enabled: false },
    protect_config: { object: 'protect_config', id: 'protect_config', loaders: [] },
    maintenance_mode: false,
  };
}
