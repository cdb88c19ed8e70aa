"""The outbound systems: badge platforms (Credly, Badgr, Accredible), CRMs (HubSpot, Salesforce) and a
Standard Webhooks receiver."""
