"""The contract sheets' JSON examples, verbatim (vendor-contracts/truecaller-business.md and
truecaller-profile.md): the recorded fixtures the translation and client tests share."""

# ruff: noqa: E501  (the sheets' JSON is kept byte for byte, long lines included)

from __future__ import annotations

# business §2.2, request
TOKEN_REQUEST = b'{ "key_id": "aaaee1b1-7a2f-4c0b-8271-4e2b41c1bf01", "api_key": "caf1694e-b8a4-4082-82fc-105a0a63eafe" }'

# business §2.2, success 200
TOKEN_CREATED = b'{ "token": "a4p0pZ2x3aEk9TYGxPZldm0qvWQknTXTINPZxNpIZ32yWmiOFtGqv2mEU7nJlQO6", "created_at": "2025-07-10T06:59:05.72Z" }'

# business §2.2, 429 over the creation limit
TOKEN_LIMIT = (
    b'{"slug":"too-many-requests","message":"token generation limit reached, retry later"}'
)

# business §2.2, 400
TOKEN_MISSING_KEY = b'{"slug":"invalid-input","message":"api_key is required"}'

# business §2.2, 401
TOKEN_BAD_KEY = b'{"slug":"authorization-error","message":"invalid key_id or api_key"}'

# business §2.3, 401 without Authorization
MISSING_AUTHORIZATION = b'{"slug":"authorization-error","message":"Missing authorization header"}'

# business §2.3, 401 expired / unknown token
LOGIN_AGAIN = b'{"slug":"authorization-error","message":"please login again"}'

# business §2.3, 500 garbled token
TOKEN_UNPARSEABLE = (
    b'{"slug":"internal-server-error","message":"500/50011 - Failed to parse token"}'
)

# business §2.3, 403
FORBIDDEN = b'{"slug":"forbidden-error","message":"not authorized. please contact your admin."}'

# business §3, 429 (with Retry-After: 1)
RATE_LIMITED = b'{"slug":"too-many-requests","message":"rate limit exceeded"}'

# business §4.1, request
PUBLISH_REQUEST = b'{ "phone_numbers": ["911234567891"] }'

# business §4.1, success 200
PUBLISH_ANSWER = b"""
{
  "client_account_id": "91c173bb-28d8-4030-9722-8663ff9589f3",
  "created_by_email": "enterprise.portal@truecaller.com",
  "phone_type": "verified",
  "new_numbers": ["911234567891"],
  "other_phonetype_numbers": [],
  "existing_numbers": [],
  "others_numbers": [],
  "invalid_numbers": [],
  "other_feature_set_numbers": [],
  "status": "pending",
  "migrated_numbers": [],
  "delisted_numbers": [],
  "updated_numbers": []
}
"""

# business §4.1, 404
FEATURE_SET_NOT_FOUND = b'{"slug":"not-found-error","message":"feature set not found"}'

# business §4.1, 400
PHONE_NUMBERS_REQUIRED = b'{"slug":"invalid-input","message":"phone_numbers is required"}'

# business §4.2, success 200, accepted
DELIST_ACCEPTED = b"""
{
  "client_account_id": "91c173bb-28d8-4030-9722-8663ff9589f3",
  "phone_type": "",
  "processing_numbers": [],
  "new_numbers": [],
  "other_phonetype_numbers": [],
  "existing_numbers": ["911234567891"],
  "others_numbers": [],
  "invalid_numbers": [],
  "other_feature_set_numbers": [],
  "status": "pending"
}
"""

# business §4.2, success 200, nothing to delist
DELIST_NOTHING = b"""
{
  "client_account_id": "91c173bb-28d8-4030-9722-8663ff9589f3",
  "phone_type": "",
  "processing_numbers": [],
  "new_numbers": ["911234567891"],
  "other_phonetype_numbers": [],
  "existing_numbers": [],
  "others_numbers": [],
  "invalid_numbers": [],
  "other_feature_set_numbers": [],
  "status": "failed"
}
"""

# business §4.3, success 200
NUMBER_DETAILS = b"""
{
  "numbers": [
    {
      "phone_number": "918848628575230",
      "phone_type": "verified",
      "status": "listed",
      "client_account_id": "91c173bb-28d8-4030-9722-8663ff9589f3",
      "created_by_email": "enterprise.portal@truecaller.com",
      "department": "TestingSanity",
      "operation": "Collections",
      "process": "SanityProcess",
      "subprocess": "",
      "feature_set_name": "New Feature set",
      "call_me_back": "enabled",
      "created_at": "2025-07-28T09:25:19.557139Z",
      "updated_at": "2025-07-28T09:25:23.644159Z",
      "label_name": "testLabel from fs page"
    }
  ],
  "pagination_information": { "total_page_count": 8 }
}
"""

# business §4.3, empty result
NO_NUMBERS = b'{"numbers": [], "pagination_information": {"total_page_count": 0}}'

# business §4.4, success 200
FEATURE_SETS = b"""
{
  "feature_sets": [
    {
      "id": "069d2e3a-41e6-41f9-a768-157d7e3bd6b9",
      "name": "prio1",
      "description": "",
      "status": "draft",
      "process_id": "318d5ae4-d2ad-4dc6-898a-861347ce279d",
      "client_account_id": "91c173bb-28d8-4030-9722-8663ff9589f3",
      "label_id": "7c7ec202-96cc-4c5f-8b24-23cbc07a2a8a",
      "call_reason_id": "689f6ce5-c03d-4d96-8af8-c8fb9b52510d",
      "video_caller_id": null,
      "business_profile_id": null,
      "call_me_back": false,
      "survey": false,
      "department_id": "8e16b0d3-0953-40d0-9079-2a412363063e",
      "department_name": "QA Test new flow edit",
      "operation_id": "14349208-1e61-4f88-81c5-2f55dfc755db",
      "calling_operation_id": "690aa251-122e-4cbc-87a8-8d270fffb218",
      "calling_operation_name": "Delivery",
      "process_name": "newProcess",
      "sub_process_name": "subPro",
      "created_at": "2025-07-16T10:15:04.800203Z",
      "updated_at": "2025-07-16T10:15:04.800203Z"
    }
  ],
  "pagination_info": { "total_page_count": 2, "current_page": 1, "page_limit": 50 }
}
"""

# business §5.1, success 200 (a bare array)
LABELS = b"""
[
  {
    "id": "255297eb-7f13-44f9-967a-f287ff0f5025",
    "name": "FlowerEra",
    "logo_url": "https://business-priority-media-noneu.truecaller.com/staging/logos/06930f35-4b9c-4144-b748-9ace309c70d2-1751871235271177747.png",
    "category": 10,
    "sub_category": 142,
    "created_by_email": "enterprise.portal@truecaller.com",
    "created_at": "2025-07-07T06:53:55.402122Z",
    "label_type": "dynamic"
  }
]
"""

# business §5.2, request
REALTIME_REQUEST = b"""
{
  "label_id": "c6d86658-008d-4c08-98fb-2bf2649d59a5",
  "dynamic_label_name": "Flower rasm",
  "dynamic_call_reason": "Flower Delivery",
  "caller_number": "911234567898",
  "receiver_number": "919234567898",
  "starts_at": 1753088751000,
  "ends_at": 1753103151000
}
"""

# business §5.2, success 200
REALTIME_SUCCESS = (
    b'{ "status_info": { "status": "success", "message": "Record processed successfully" } }'
)

# business §5.2, validation error 400
REALTIME_INVALID = b"""
{
  "status_info": {
    "status": "error",
    "field": "ends_at",
    "message": "Request body is invalid: ends_at cannot be older than current time"
  }
}
"""

# business §5.2, a delivery failure (inside a 200)
NOT_A_TRUECALLER_USER = b'{"status_info":{"status":"error","message":"Not a Truecaller user"}}'

# business §5.3, request
BATCH_REQUEST = b"""
{
  "call_records": [
    {
      "label_id": "c6d86658-008d-4c08-98fb-2bf2649d59a5",
      "dynamic_label_name": "Centro Bank KYC Department",
      "dynamic_call_reason": "Calling you for KYC Verification",
      "caller_number": "+91**********",
      "receiver_number": "91**********",
      "starts_at": 1753246858000,
      "ends_at": 1753362058000
    }
  ]
}
"""

# business §5.3, success 200
BATCH_CREATED = b'{ "batch_id": "b72f7a40-ec3a-462f-b528-da0e8dc87e79" }'

# business §5.3, 400
BATCH_TOO_LARGE = (
    b'{"slug":"invalid-input","message":"call_records must contain between 1 and 500 records"}'
)

# business §5.4, success 200
BATCH_STATUS = b"""
{
  "client_account_id": "91c173bb-28d8-4030-9722-8663ff9589f3",
  "batch_id": "0ca10281-11a0-4f86-bb27-7452da543cb6",
  "data": [
    {
      "id": "c458227a-a730-4ced-81b4-19c21ea8d97c",
      "caller_number": "************",
      "receiver_number": "************",
      "label_id": "c6d86658-008d-4c08-98fb-2bf2649d59a5",
      "dynamic_label_name": "Centro Bank KYC Department",
      "dynamic_call_reason": "Calling you for KYC Verification",
      "starts_at": 1753246858000,
      "ends_at": 1753362058000,
      "status_info": { "status": "success" },
      "created_at": "2025-07-23T09:07:32.21Z"
    }
  ]
}
"""

# business §5.4, a succeeded record's status_info
RECORD_SUCCESS = b'{"status":"success"}'

# business §5.4, a failed record's status_info
RECORD_FAILED = (
    '{"status":"error","field":"ends_at","message":"Request body is invalid: …"}'.encode()
)

# business §5.4, a pending record's status_info
RECORD_PENDING = b'{"status":"pending"}'

# business §6.4, success (placeholders as in the sheet)
DOWNLOAD = (
    '{"url":"https://…/cmb-logs/<uuid>.csv","expires_at":"<ISO time, now + 10 min>"}'.encode()
)

# business §6.4, no data (404)
NO_CMB = b'{"message":"No CMB found for client Id"}'

# profile §4, approved
CALLBACK_APPROVED = b'{"requestId":"RL8YZ41FQMt5Jiak2sc_Ys0OgQA=","accessToken":"a1asX--8_yw-OF--E6Gj_DPyKelJIGUUeYB9U9MJhyeu4hOCbrl","endpoint":"https://profile4-noneu.truecaller.com/v1/default"}'

# profile §4, rejected
CALLBACK_REJECTED = b'{"requestId":"WZqlS6PqY0ycO3mKlEuI=","status":"user_rejected"}'

# profile §5, success 200
PROFILE = b"""
{
  "phoneNumbers": ["919999999999"],
  "addresses": [
    { "countryCode": "in", "city": "city_field_value", "street": "street_field_value", "zipcode": "1234567" }
  ],
  "avatarUrl": "https://s3-eu-west-1.amazonaws.com/images1.truecaller.com/myview/1/15a999e9806gh73834c87aaa0498020d/3",
  "aboutMe": "About me",
  "jobTitle": "CEO",
  "companyName": "ABC",
  "history": { "name": { "updateTime": "1508089888000" } },
  "isActive": "True",
  "gender": "Male",
  "createdTime": "1379314068000",
  "onlineIdentities": { "url": "https://www.truecaller.com", "email": "y.s@truecaller.com", "facebookId": "105056625245" },
  "type": "Personal",
  "id": "655574719",
  "userId": "1319413476",
  "badges": ["verified", "premium"],
  "name": { "last": "Kapoor", "first": "Rajat" }
}
"""

# profile §5, 401
PROFILE_UNAUTHORIZED = b'{"code":401,"message":"Unauthorized"}'

# profile §5, 5xx
PROFILE_ERROR = b'{"code":500,"message":"Internal error"}'
