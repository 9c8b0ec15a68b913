# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
RUN powershell -Command `
    Install-Thing ; `
    # a comment inside
    Remove-Item C:\temp
COPY . C:\app
